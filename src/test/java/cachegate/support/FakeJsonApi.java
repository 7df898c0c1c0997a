package cachegate.support;

import com.sun.net.httpserver.HttpExchange;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Any JSON API on loopback: every GET answers {@code {"path": ..., "query": ...}} echoing what it
 * was asked, so a test sees exactly which upstream URL cachegate built. It counts its requests and
 * can be made slow or failing.
 */
public final class FakeJsonApi implements AutoCloseable {
  private final LoopbackHttp http;
  private final List<String> requests = new CopyOnWriteArrayList<>();
  private volatile Duration delay = Duration.ZERO;
  private volatile int failWithStatus;

  private FakeJsonApi() {
    http = LoopbackHttp.serve(this::answer);
  }

  public static FakeJsonApi start() {
    return new FakeJsonApi();
  }

  /** {@code http://127.0.0.1:<port>}, without a trailing slash. */
  public String url() {
    return http.url();
  }

  /** The raw path and query of every request received, in order. */
  public List<String> requests() {
    return List.copyOf(requests);
  }

  /** Back to fast, correct answers, with no requests counted. */
  public void reset() {
    requests.clear();
    delay = Duration.ZERO;
    failWithStatus = 0;
  }

  /** Every answer waits this long before it is sent. */
  public FakeJsonApi slow(Duration delay) {
    this.delay = delay;
    return this;
  }

  /** Every answer has this status (0: back to 200). */
  public FakeJsonApi failWith(int status) {
    this.failWithStatus = status;
    return this;
  }

  @Override
  public void close() {
    http.close();
  }

  private void answer(HttpExchange exchange) throws IOException {
    String path = exchange.getRequestURI().getRawPath();
    String query = exchange.getRequestURI().getRawQuery();
    requests.add(query == null ? path : path + "?" + query);
    try (exchange) {
      Thread.sleep(delay.toMillis());
      byte[] body =
          new JsonObject()
              .put("path", path)
              .put("query", query == null ? "" : query)
              .encode()
              .getBytes(StandardCharsets.UTF_8);
      exchange.getResponseHeaders().set("Content-Type", "application/json");
      exchange.sendResponseHeaders(failWithStatus == 0 ? 200 : failWithStatus, body.length);
      exchange.getResponseBody().write(body);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
