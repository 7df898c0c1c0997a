package cachegate.http;

import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import java.util.Optional;

/**
 * {@code GET /health}: always 200 while the process serves, with the cache backend and, when Redis
 * is used, whether it answers a PING. A Redis outage degrades the answer but is not a failure:
 * cachegate keeps serving from the upstream.
 */
final class HealthHandler implements Handler<RoutingContext> {
  private final String cacheType;
  private final Optional<RedisProbe> redis;

  HealthHandler(String cacheType, Optional<RedisProbe> redis) {
    this.cacheType = cacheType;
    this.redis = redis;
  }

  @Override
  public void handle(RoutingContext context) {
    JsonObject body = new JsonObject().put("status", "UP").put("cache", cacheType);
    if (redis.isEmpty()) {
      send(context, body);
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
              send(context, body);
            });
  }

  private static void send(RoutingContext context, JsonObject body) {
    context
        .response()
        .putHeader(HttpHeaders.CONTENT_TYPE, "application/json")
        .putHeader(HttpHeaders.CACHE_CONTROL, "no-store")
        .end(body.encode());
  }
}
