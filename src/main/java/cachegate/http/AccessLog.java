package cachegate.http;

import io.vertx.core.Handler;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.ext.web.RoutingContext;
import java.util.concurrent.ThreadLocalRandom;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.spi.LoggingEventBuilder;

/**
 * One log line per request on the logger {@code cachegate.access}: method, path and query, status,
 * cache outcome, duration and request id, each also a key-value pair of the event (fields of their
 * own with {@code LOG_FORMAT=json}), and, when the request is traced, its trace id ({@code trace=},
 * {@code traceId}). The id comes from {@code X-Request-Id} when the client sends one (at most 64
 * characters) and is echoed back; otherwise one is made up.
 */
final class AccessLog implements Handler<RoutingContext> {
  static final String OUTCOME = "cachegate.outcome";
  static final String REQUEST_ID = "X-Request-Id";
  static final String TRACE_ID = "cachegate.traceId";
  private static final Logger LOG = LoggerFactory.getLogger("cachegate.access");

  /** The line of a traced request: its trace id last. */
  @Override
  public void handle(RoutingContext context) {
    if (!LOG.isInfoEnabled()) {
      context.next();
      return;
    }
    long started = System.nanoTime();
    HttpServerRequest request = context.request();
    String given = request.getHeader(REQUEST_ID);
    String id =
        given != null
                && !given.isBlank()
                && given.length() <= 64
                && given.chars().allMatch(c -> c > 32 && c < 127)
            ? given
            : Long.toHexString(ThreadLocalRandom.current().nextLong());
    context.response().putHeader(REQUEST_ID, id);
    context.addEndHandler(
        done -> {
          String status =
              done.succeeded() ? String.valueOf(context.response().getStatusCode()) : "aborted";
          String outcome = context.<String>get(OUTCOME, "-");
          String millis = millis(System.nanoTime() - started);
          String trace = context.<String>get(TRACE_ID, "");
          // The line as text, and each field as a key-value pair for LOG_FORMAT=json. The text
          // is joined here rather than from a pattern and arguments: the same line, without
          // logback's formatter and the argument array per request.
          String text =
              request.method()
                  + " "
                  + request.uri()
                  + " "
                  + status
                  + " "
                  + outcome
                  + " "
                  + millis
                  + "ms id="
                  + id;
          LoggingEventBuilder line =
              LOG.atInfo()
                  .setMessage(trace.isEmpty() ? text : text + " trace=" + trace)
                  .addKeyValue("method", request.method())
                  .addKeyValue("path", request.uri())
                  .addKeyValue("status", status)
                  .addKeyValue("outcome", outcome)
                  .addKeyValue("durationMs", millis)
                  .addKeyValue("requestId", id);
          if (!trace.isEmpty()) {
            line.addKeyValue("traceId", trace);
          }
          line.log();
        });
    context.next();
  }

  /**
   * Milliseconds with one decimal, as {@code "%.1f"} prints them, without a Formatter per request.
   */
  static String millis(long nanos) {
    long tenths = Math.round(nanos / 100_000.0);
    return tenths / 10 + "." + tenths % 10;
  }
}
