package cachegate.support;

import cachegate.config.ConfigLoader;
import cachegate.engine.Route;
import java.net.URI;
import java.time.Duration;
import java.util.Map;

/** The built-in universities route, as cachegate builds it from its configuration. */
public final class BuiltInRoute {
  private BuiltInRoute() {}

  /** The route in front of the public universities API. */
  public static Route universities() {
    return ConfigLoader.from(Map.of()).routes().get(0).route();
  }

  /** The route in front of a universities API at {@code base} ({@code UNIVERSITIES_API_URL}). */
  public static Route universities(URI base) {
    return ConfigLoader.from(Map.of("UNIVERSITIES_API_URL", base.toString()))
        .routes()
        .get(0)
        .route();
  }

  /**
   * The built-in route written out as an entry of a routes file's {@code routes} list (as
   * examples/routes.yml writes it), in front of a universities API at {@code base}, with {@code
   * ttl}; each line ends in a line break, so fields may follow at the same indentation.
   */
  public static String routesFileEntry(String base, Duration ttl) {
    return """
          - name: universities
            path: /universities
            upstream: %s/search
            params:
              country: {type: string, lowercase: true}
              name: {type: string, lowercase: true}
              name_contains: {type: string, lowercase: true}
              domain: {type: string, lowercase: true}
              limit: {type: integer, min: 0, max: 999999999}
              offset: {type: integer, min: 0, max: 999999999}
            requireOneOf: [country, name, name_contains, domain]
            unknownParams: ignore
            ttl: %d
        """
        .formatted(base, ttl.toSeconds());
  }
}
