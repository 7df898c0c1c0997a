package cachegate.http;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import java.util.List;
import java.util.Optional;

/**
 * {@code GET /health}: always 200 while the process serves, with the cache backend, each route's
 * upstream and its circuit breaker and, when Redis is used, whether it answers a PING. {@code
 * status} is {@code DEGRADED} while Redis does not answer or an upstream's breaker is not closed;
 * that is not a failure: cachegate keeps serving from what still works.
 */
final class HealthHandler {
  private final String cacheType;
  private final List<ServedRoute> routes;
  private final Optional<RedisProbe> redis;

  HealthHandler(String cacheType, List<ServedRoute> routes, Optional<RedisProbe> redis) {
    this.cacheType = cacheType;
    this.routes = List.copyOf(routes);
    this.redis = redis;
  }

  /** Answers with the state; 503 with {@code ready: false} when {@code draining}. */
  void answer(RoutingContext context, boolean draining) {
    JsonObject upstreams = new JsonObject();
    boolean allClosed = true;
    for (ServedRoute served : routes) {
      UpstreamProbe upstream = served.upstream();
      String circuit = upstream.circuit().get();
      allClosed &= "CLOSED".equals(circuit);
      JsonObject state =
          new JsonObject()
              .put("url", upstream.url())
              .put("circuit", circuit)
              .put("inFlight", upstream.inFlight().getAsInt());
      upstream.budgetState().ifPresent(budget -> state.put("budget", budget));
      upstreams.put(served.route().name(), state);
    }
    JsonObject body =
        new JsonObject()
            .put("status", allClosed ? "UP" : "DEGRADED")
            .put("ready", !draining)
            .put("cache", cacheType)
            .put("upstreams", upstreams);
    if (redis.isEmpty()) {
      send(context, body, draining);
      return;
    }
    RedisProbe probe = redis.get();
    Future.fromCompletionStage(probe.ping().get(), Vertx.currentContext())
        .onComplete(
            (reachable, failure) -> {
              boolean up = failure == null && reachable;
              body.put(
                  "redis",
                  new JsonObject()
                      .put("url", probe.location())
                      .put("reachable", up)
                      .put("circuit", probe.circuit().get()));
              if (!up) {
                body.put("status", "DEGRADED");
              }
              send(context, body, draining);
            });
  }

  private static void send(RoutingContext context, JsonObject body, boolean draining) {
    context
        .response()
        .setStatusCode(draining ? 503 : 200)
        .putHeader(HttpHeaders.CONTENT_TYPE, "application/json")
        .putHeader(HttpHeaders.CACHE_CONTROL, "no-store")
        .end(body.encode());
  }
}
