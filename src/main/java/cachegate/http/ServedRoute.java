package cachegate.http;

import cachegate.engine.CacheEngine;
import cachegate.engine.CachePolicy;
import cachegate.engine.Route;
import java.util.Objects;

/**
 * One route as the HTTP layer serves, reports and administers it.
 *
 * @param route what it accepts and where its upstream is
 * @param policy how long its answers are kept
 * @param engine where its answers come from
 * @param upstream its upstream's state, for {@code /health}
 */
public record ServedRoute(
    Route route, CachePolicy policy, CacheEngine engine, UpstreamProbe upstream) {
  public ServedRoute {
    Objects.requireNonNull(route, "route");
    Objects.requireNonNull(policy, "policy");
    Objects.requireNonNull(engine, "engine");
    Objects.requireNonNull(upstream, "upstream");
  }
}
