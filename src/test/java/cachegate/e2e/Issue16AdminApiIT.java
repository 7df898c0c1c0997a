package cachegate.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import cachegate.engine.ManualClock;
import cachegate.support.GatewayUnderTest;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.slf4j.LoggerFactory;

/**
 * Issue 16: the admin API names entries by a route's parameters as well as by key, refuses a key
 * that is no key (such as one whose braces curl globbed away), and answers a purge it could not do
 * because Redis is down with 503 and one log line.
 */
class Issue16AdminApiIT extends RedisAndUpstream {
  private static final String TOKEN = "issue-16-admin-token-0123";
  private static final String GERMANY_KEY = "cachegate:v2:{universities:country=germany}";

  private final ManualClock clock = new ManualClock();

  private GatewayUnderTest admin() {
    return gateway(clock, Map.of("CACHEGATE_ADMIN_TOKEN", TOKEN));
  }

  /** Gets a cold {@code path} and waits for its answer to be in Redis (written just after it). */
  private static void getStored(GatewayUnderTest gateway, String path, String key) {
    gateway.get(path);
    await().until(() -> redis.exists(key) == 1);
  }

  private static HttpResponse<String> call(GatewayUnderTest gateway, String method, String path) {
    return gateway.send(
        HttpRequest.newBuilder(gateway.uri(path))
            .method(method, HttpRequest.BodyPublishers.noBody())
            .header("Authorization", "Bearer " + TOKEN));
  }

  @Test
  void aPurgeNamedByTheRoutesParametersRemovesTheKeyARequestWithThemUses() {
    GatewayUnderTest gateway = admin();
    getStored(gateway, "/universities?country=%20GERMANY%20", GERMANY_KEY);

    HttpResponse<String> purge =
        call(gateway, "DELETE", "/admin/api/entries?route=universities&country=Germany");

    assertThat(purge.statusCode()).isEqualTo(200);
    JsonObject answer = new JsonObject(purge.body());
    assertThat(answer.getInteger("purged")).isEqualTo(1);
    assertThat(answer.getString("key")).isEqualTo(GERMANY_KEY);
    assertThat(redis.exists(GERMANY_KEY)).isZero();
  }

  @Test
  void aKeyWithItsBracesAsCurlSendsThemWithGlobbingOffIsPurged() {
    GatewayUnderTest gateway = admin();
    getStored(gateway, "/universities?country=Germany", GERMANY_KEY);

    String answer = rawAdminCall(gateway, "DELETE", "/admin/api/entries?key=" + GERMANY_KEY);

    assertThat(answer).startsWith("HTTP/1.1 200").contains("\"purged\":1");
    assertThat(redis.exists(GERMANY_KEY)).isZero();
  }

  @Test
  void aPlusInAKeySentUnescapedIsReadAsThePlusItWas() {
    GatewayUnderTest gateway = admin();
    String key = "cachegate:v2:{universities:country=united+states}";
    getStored(gateway, "/universities?country=United%20States", key);

    String answer = rawAdminCall(gateway, "DELETE", "/admin/api/entries?key=" + key);

    assertThat(answer).startsWith("HTTP/1.1 200").contains("\"purged\":1");
    assertThat(redis.exists(key)).isZero();
  }

  @Test
  void aKeyWhoseBracesCurlGlobbedAwayIsRefusedWithHowToNameTheEntry() {
    GatewayUnderTest gateway = admin();
    getStored(gateway, "/universities?country=Germany", GERMANY_KEY);

    HttpResponse<String> purge =
        call(gateway, "DELETE", "/admin/api/entries?key=cachegate:v2:universities:country=germany");

    assertThat(purge.statusCode()).isEqualTo(400);
    assertThat(new JsonObject(purge.body()).getString("error"))
        .contains("cachegate:v2:{<route>:<parameters>}")
        .contains("curl -g")
        .contains("?route=universities&country=<value>");
    assertThat(redis.exists(GERMANY_KEY)).isOne();
  }

  @ParameterizedTest(name = "{0} {1}")
  @CsvSource({
    "DELETE, /admin/api/entries?country=Germany,              the purge of " + GERMANY_KEY,
    "DELETE, /admin/api/routes/universities/entries,          the purge of route universities",
    "DELETE, /admin/api/entries?all=true,                     the purge of everything",
    "POST,   /admin/api/entries/soft-purge?country=Germany,   the soft purge of " + GERMANY_KEY,
  })
  void aPurgeWhileRedisIsDownAnswers503SayingItWasNotDoneAndLogsOneLine(
      String method, String path, String action) {
    GatewayUnderTest gateway =
        gateway(
            clock,
            Map.of(
                "CACHEGATE_ADMIN_TOKEN", TOKEN, "CACHE_REDIS_URL", "redis://127.0.0.1:" + port()));
    Logger cachegate = (Logger) LoggerFactory.getLogger("cachegate");
    ListAppender<ILoggingEvent> lines = new ListAppender<>();
    lines.start();
    cachegate.addAppender(lines);
    HttpResponse<String> answer;
    try {

      answer = call(gateway, method, path);

    } finally {
      cachegate.detachAppender(lines);
    }
    assertThat(answer.statusCode()).isEqualTo(503);
    JsonObject body = new JsonObject(answer.body());
    assertThat(body.getInteger("status")).isEqualTo(503);
    assertThat(body.getString("error"))
        .startsWith("Redis is unreachable or failing, so " + action)
        .contains("was not done");
    List<ILoggingEvent> aboutIt =
        lines.list.stream()
            .filter(
                event ->
                    event.getLoggerName().equals("cachegate.admin")
                        || event.getLoggerName().startsWith("cachegate.http"))
            .toList();
    assertThat(aboutIt)
        .singleElement()
        .satisfies(
            event -> {
              assertThat(event.getThrowableProxy()).isNull();
              assertThat(event.getFormattedMessage()).contains(action).contains("not done");
            });
  }

  /** A port nothing listens on: Redis there is down. */
  private static int port() {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * Sends a request whose target {@link java.net.URI} refuses (raw braces, as {@code curl -g} sends
   * them) over a plain socket, and returns the whole answer.
   */
  private static String rawAdminCall(GatewayUnderTest gateway, String method, String target) {
    try (Socket socket = new Socket("127.0.0.1", gateway.port())) {
      socket.setSoTimeout(15_000);
      String request =
          method
              + " "
              + target
              + " HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer "
              + TOKEN
              + "\r\nConnection: close\r\n\r\n";
      socket.getOutputStream().write(request.getBytes(StandardCharsets.UTF_8));
      return new String(socket.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
