package cachegate.http;

import cachegate.engine.Failures;
import cachegate.engine.InvalidRequestException;
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

  /** 400 for refused requests, 504 for upstream timeouts, 502 for other upstream trouble. */
  static void send(HttpServerResponse response, Throwable failure) {
    Throwable cause = Failures.unwrap(failure);
    if (cause instanceof InvalidRequestException) {
      send(response, 400, cause.getMessage());
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
