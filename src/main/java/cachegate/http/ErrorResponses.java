package cachegate.http;

import cachegate.engine.Failures;
import cachegate.engine.InvalidRequestException;
import cachegate.engine.StoreException;
import cachegate.engine.UpstreamException;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonObject;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one place that maps failures to HTTP statuses, and writes every error as {@code {"error":
 * "...", "status": N}}.
 */
final class ErrorResponses {
  private static final Logger LOG = LoggerFactory.getLogger(ErrorResponses.class);

  private ErrorResponses() {}

  /**
   * 400 for refused requests, 404 for requests naming what is not there, 504 for upstream timeouts,
   * 502 for other upstream trouble, 503 when the store failed (see {@link #send(HttpServerResponse,
   * Throwable, String)}).
   */
  static void send(HttpServerResponse response, Throwable failure) {
    send(response, failure, "the request");
  }

  /**
   * As {@link #send(HttpServerResponse, Throwable)}, naming what was not done when the store failed
   * ({@code "the purge of <key>"}): 503, for Redis may answer again, and the message says that
   * nothing was done. The engine never fails a request for a store failure (it serves from the
   * upstream instead); what works on the store itself, such as an admin purge, does.
   */
  static void send(HttpServerResponse response, Throwable failure, String action) {
    Throwable cause = Failures.unwrap(failure);
    if (cause instanceof InvalidRequestException) {
      send(response, 400, cause.getMessage());
    } else if (cause instanceof NotFoundException) {
      send(response, 404, cause.getMessage());
    } else if (cause instanceof StoreException) {
      send(
          response,
          503,
          "Redis is unreachable or failing, so " + action + " was not done: " + cause.getMessage());
    } else if (cause instanceof UpstreamException upstream) {
      if (upstream.retryAfter().isPresent()) {
        // RFC 9110 §15.6.4: tell the client when the upstream may answer again.
        long seconds = Math.max(1, (upstream.retryAfter().get().toMillis() + 999) / 1000);
        response.putHeader(HttpHeaders.RETRY_AFTER, String.valueOf(seconds));
        send(response, 503, upstream.getMessage() + "; nothing stored to serve instead");
        return;
      }
      int status = upstream.kind() == UpstreamException.Kind.TIMEOUT ? 504 : 502;
      send(response, status, upstream.getMessage() + "; nothing was cached");
    } else {
      LOG.error("unexpected failure", cause);
      send(response, 500, "internal error: " + cause.getClass().getSimpleName());
    }
  }

  static void send(HttpServerResponse response, int status, String message) {
    if (response.ended() || response.closed()) {
      return;
    }
    response
        .setStatusCode(status)
        .putHeader(HttpHeaders.CONTENT_TYPE, "application/json")
        .putHeader(HttpHeaders.CACHE_CONTROL, "no-store")
        .end(new JsonObject().put("error", message).put("status", status).encode());
  }
}
