package cachegate.config;

import cachegate.engine.Route;
import cachegate.engine.Route.Param;
import cachegate.engine.Route.ParamType;
import cachegate.engine.UrlTemplate;
import java.net.URI;
import java.util.List;
import java.util.Set;

/**
 * The route cachegate serves when no routes file is given. {@code examples/routes.yml} writes the
 * same route in the routes file's format (a test checks that they agree).
 */
final class Routes {
  /** The longest parameter value accepted, in characters, unless a route says otherwise. */
  static final int MAX_VALUE_LENGTH = 200;

  /** The public universities API. */
  static final URI DEFAULT_UNIVERSITIES_URL = URI.create("http://universities.hipolabs.com");

  private Routes() {}

  /**
   * The tutorial's route: {@code GET /universities} in front of the universities API's {@code GET
   * /search} at {@code base}, which matches {@code name}, {@code name_contains}, {@code country}
   * and {@code domain} case-insensitively and pages with {@code limit} and {@code offset}.
   */
  static Route universities(URI base) {
    String url = base.toString();
    return new Route(
        "universities",
        "/universities",
        UrlTemplate.parse(
            (url.endsWith("/") ? url.substring(0, url.length() - 1) : url) + "/search"),
        List.of(
            text("country"),
            text("name"),
            text("name_contains"),
            text("domain"),
            count("limit"),
            count("offset")),
        Set.of("country", "name", "name_contains", "domain"));
  }

  private static Param text(String name) {
    return new Param(
        name, ParamType.STRING, true, MAX_VALUE_LENGTH, false, "", Long.MIN_VALUE, Long.MAX_VALUE);
  }

  private static Param count(String name) {
    return new Param(name, ParamType.INTEGER, false, MAX_VALUE_LENGTH, false, "", 0, 999_999_999);
  }
}
