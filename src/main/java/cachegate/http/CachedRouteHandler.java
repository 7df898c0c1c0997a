package cachegate.http;

import cachegate.engine.CacheEngine;
import cachegate.engine.CacheKey;
import cachegate.engine.CacheOutcome;
import cachegate.engine.CacheResult;
import cachegate.engine.CachedResponse;
import cachegate.engine.Route;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.RoutingContext;

/**
 * Serves one cached route: parses and validates the query into a key (400 before anything else is
 * touched), asks the engine, and writes the answer with headers derived from the engine's result.
 */
final class CachedRouteHandler implements Handler<RoutingContext> {
  static final String X_CACHE = "X-Cache";
  static final String CACHE_STATUS = "Cache-Status";

  /** RFC 9211 §2: the cache's identifier in {@code Cache-Status}. */
  static final String CACHE_NAME = "cachegate";

  private final Route route;
  private final CacheEngine engine;
  private final String namespace;

  CachedRouteHandler(Route route, CacheEngine engine, String namespace) {
    this.route = route;
    this.engine = engine;
    this.namespace = namespace;
  }

  @Override
  public void handle(RoutingContext context) {
    HttpServerResponse response = context.response();
    CacheKey key;
    try {
      key = route.key(namespace, QueryString.parse(context.request().query()));
    } catch (RuntimeException refused) {
      ErrorResponses.send(response, refused);
      return;
    }
    Future.fromCompletionStage(engine.get(key), Vertx.currentContext())
        .onComplete(
            (result, failure) -> {
              if (failure != null) {
                ErrorResponses.send(response, failure);
              } else {
                send(response, result);
              }
            });
  }

  private static void send(HttpServerResponse response, CacheResult result) {
    if (response.closed()) {
      return;
    }
    CachedResponse entry = result.entry();
    response
        .setStatusCode(entry.status())
        .putHeader(HttpHeaders.CONTENT_TYPE, entry.contentType())
        .putHeader(X_CACHE, result.outcome().name())
        .putHeader(CACHE_STATUS, cacheStatus(result))
        .putHeader(HttpHeaders.AGE, String.valueOf(result.age().toSeconds()))
        .end(Buffer.buffer(entry.body()));
  }

  /** RFC 9211 {@code Cache-Status}, from the same result as {@code X-Cache} and {@code Age}. */
  static String cacheStatus(CacheResult result) {
    StringBuilder value = new StringBuilder(CACHE_NAME);
    if (result.outcome() == CacheOutcome.HIT) {
      value.append("; hit");
    } else {
      value.append("; fwd=uri-miss; fwd-status=").append(result.entry().status());
      if (result.stored()) {
        value.append("; stored");
      }
    }
    if (result.outcome() == CacheOutcome.HIT || result.stored()) {
      value.append("; ttl=").append(result.ttl().toSeconds());
    }
    return value
        .append("; key=\"")
        .append(sfString(result.key().redisKey()))
        .append('"')
        .toString();
  }

  /** RFC 8941 §3.3.3 sf-string escaping. */
  private static String sfString(String text) {
    return text.replace("\\", "\\\\").replace("\"", "\\\"");
  }
}
