package cachegate.support;

import cachegate.config.ConfigLoader;
import cachegate.engine.Route;
import java.net.URI;
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
}
