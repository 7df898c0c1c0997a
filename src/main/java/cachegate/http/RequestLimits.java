package cachegate.http;

import cachegate.engine.CacheMetrics;
import io.netty.handler.codec.DecoderResult;
import io.netty.handler.codec.PrematureChannelClosureException;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.handler.codec.http.TooLongHttpHeaderException;
import io.netty.handler.codec.http.TooLongHttpLineException;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.ext.web.RoutingContext;

/**
 * Limits checked before routing, each answered with the JSON error body and counted: query strings
 * over {@link #MAX_QUERY_BYTES} (414), and requests the HTTP decoder could not read (a request line
 * over {@link #MAX_REQUEST_LINE_BYTES}: 414; headers over Vert.x's 8 KiB: 431; anything else
 * malformed: 400). Thread-safe.
 */
final class RequestLimits {
  /** The longest query string served. */
  static final int MAX_QUERY_BYTES = 4096;

  /** The longest request line read at all; longer ones never reach the router. */
  static final int MAX_REQUEST_LINE_BYTES = 16384;

  private final CacheMetrics metrics;

  RequestLimits(CacheMetrics metrics) {
    this.metrics = metrics;
  }

  void check(RoutingContext context) {
    String query = context.request().query();
    if (query != null && query.length() > MAX_QUERY_BYTES) {
      metrics.limitReached("query-too-long", "");
      ErrorResponses.send(
          context.response(),
          414,
          "query string is "
              + query.length()
              + " bytes, more than the "
              + MAX_QUERY_BYTES
              + " allowed");
      return;
    }
    context.next();
  }

  /**
   * Replaces Vert.x's plain-text answer to requests its decoder refused. A request cut short by its
   * connection's closing (the client left, or the header timeout closed it, which counts it
   * already) is no malformed request: nothing to count, no one to answer.
   */
  void refuseMalformed(HttpServerRequest request) {
    DecoderResult result = request.decoderResult();
    Throwable cause = result.cause();
    if (cause instanceof PrematureChannelClosureException) {
      return;
    }
    int status;
    String message;
    String limit;
    if (cause instanceof TooLongHttpLineException) {
      status = 414;
      message = "request line longer than " + MAX_REQUEST_LINE_BYTES + " bytes";
      limit = "request-line-too-long";
    } else if (cause instanceof TooLongHttpHeaderException
        || cause instanceof TooLongFrameException) {
      status = 431;
      message = "request headers too large";
      limit = "request-headers-too-large";
    } else {
      status = 400;
      message = "malformed HTTP request";
      limit = "request-malformed";
    }
    metrics.limitReached(limit, "");
    request.response().putHeader(HttpHeaders.CONNECTION, "close");
    ErrorResponses.send(request.response(), status, message);
  }
}
