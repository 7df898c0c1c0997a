package cachegate.http;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import java.util.Optional;

/**
 * {@code GET /health}: always 200 while the process serves, with the cache backend, the upstream's
 * circuit breaker and, when Redis is used, whether it answers a PING. {@code status} is {@code
 * DEGRADED} while Redis does not answer or the upstream's breaker is not closed; that is not a
 * failure: cachegate keeps serving from what still works.
 */
final class HealthHandler {
  private final String cacheType;
  private final UpstreamProbe upstream;
  private final Optional<RedisProbe> redis;

  HealthHandler(String cacheType, UpstreamProbe upstream, Optional<RedisProbe> redis) {
    this.cacheType = cacheType;
    this.upstream = upstream;
    this.redis = redis;
  }

  /** Answers with the state; 503 with {@code ready: false} when {@code draining}. */
  void answer(RoutingContext context, boolean draining) {
    String circuit = upstream.circuit().get();
    JsonObject body =
        new JsonObject()
            .put("status", "CLOSED".equals(circuit) ? "UP" : "DEGRADED")
            .put("ready", !draining)
            .put("cache", cacheType)
            .put(
                "upstream",
                new JsonObject()
                    .put("url", upstream.url())
                    .put("circuit", circuit)
                    .put("inFlight", upstream.inFlight().getAsInt()));
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
