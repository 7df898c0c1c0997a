package cachegate.config;

import cachegate.engine.Route;
import cachegate.engine.Route.Param;
import cachegate.engine.Route.ParamType;
import java.util.List;
import java.util.Set;

/** The routes cachegate serves out of the box. */
public final class Routes {
  /** The longest parameter value accepted, in characters. */
  public static final int MAX_VALUE_LENGTH = 200;

  private Routes() {}

  /**
   * The tutorial's route: {@code GET /universities} in front of the universities API's {@code GET
   * /search}, which matches {@code name}, {@code name_contains}, {@code country} and {@code domain}
   * case-insensitively and pages with {@code limit} and {@code offset}.
   */
  public static Route universities() {
    return new Route(
        "universities",
        "/universities",
        "/search",
        List.of(
            new Param("country", ParamType.TEXT, MAX_VALUE_LENGTH),
            new Param("name", ParamType.TEXT, MAX_VALUE_LENGTH),
            new Param("name_contains", ParamType.TEXT, MAX_VALUE_LENGTH),
            new Param("domain", ParamType.TEXT, MAX_VALUE_LENGTH),
            new Param("limit", ParamType.NON_NEGATIVE_INTEGER, MAX_VALUE_LENGTH),
            new Param("offset", ParamType.NON_NEGATIVE_INTEGER, MAX_VALUE_LENGTH)),
        Set.of("country", "name", "name_contains", "domain"));
  }
}
