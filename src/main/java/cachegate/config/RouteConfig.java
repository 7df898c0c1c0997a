package cachegate.config;

import cachegate.engine.CachePolicy;
import cachegate.engine.Route;
import java.util.Objects;

/**
 * One route as configured: what it accepts and where it goes, how long its answers are kept, and
 * how its upstream is called.
 */
public record RouteConfig(Route route, CachePolicy policy, UpstreamConfig upstream) {
  public RouteConfig {
    Objects.requireNonNull(route, "route");
    Objects.requireNonNull(policy, "policy");
    Objects.requireNonNull(upstream, "upstream");
  }

  /** This route, calling its upstream as {@code upstream} says. */
  public RouteConfig withUpstream(UpstreamConfig upstream) {
    return new RouteConfig(route, policy, upstream);
  }
}
