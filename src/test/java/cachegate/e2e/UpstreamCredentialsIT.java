package cachegate.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import cachegate.config.ConfigException;
import cachegate.config.ConfigLoader;
import cachegate.support.CapturedLogs;
import cachegate.support.GatewayUnderTest;
import cachegate.support.KeyedApi;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.ThrowableProxyUtil;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 14: keys for the upstream, from the environment and from files, in headers and in the
 * query, reach the upstream as configured and nothing else: not the cache key, not a log line, not
 * an error, not {@code /health}, the admin API, the dashboard or the metrics.
 */
class UpstreamCredentialsIT {
  private static final String TOKEN = "tok-3141-secret";
  private static final String WRONG_TOKEN = "wrong-2718-secret";
  private static final String FILE_KEY = "file-1618-secret";
  private static final String URL_KEY = "literal-url-secret-5150";
  private static final String MARKED = "marked-secret-8086";
  private static final List<String> SECRETS =
      List.of(TOKEN, WRONG_TOKEN, FILE_KEY, URL_KEY, MARKED);
  private static final String ADMIN_TOKEN = "credentials-admin-token";

  @TempDir static Path dir;

  static KeyedApi headerApi;
  static KeyedApi queryApi;
  static KeyedApi slowApi;
  static int closedPort;
  static CapturedLogs logs;
  static GatewayUnderTest gateway;

  @BeforeAll
  static void start() throws IOException {
    headerApi = KeyedApi.start(Map.of("Authorization", "Bearer " + TOKEN), Map.of());
    queryApi =
        KeyedApi.start(Map.of("X-Marked", MARKED), Map.of("appid", FILE_KEY, "api_key", URL_KEY));
    slowApi = KeyedApi.start(Map.of(), Map.of()).slow(Duration.ofSeconds(2));
    try (ServerSocket socket = new ServerSocket(0)) {
      closedPort = socket.getLocalPort();
    }
    Path keyFile = Files.writeString(dir.resolve("appid"), FILE_KEY + "\n");
    Path routes = dir.resolve("routes.yml");
    Files.writeString(
        routes,
        """
        routes:
          - name: bearer
            path: /bearer
            upstream: %1$s/repos/{id}
            params:
              id: {required: true}
            upstreamHeaders:
              Authorization: "Bearer ${env:CG_TEST_TOKEN}"
          - name: appid
            path: /appid
            upstream: %2$s/weather?api_key=%3$s
            params:
              q: {required: true}
            upstreamQuery:
              appid: ${file:%4$s}
            upstreamHeaders:
              X-Marked: {value: %5$s, secret: true}
          - name: wrong
            path: /wrong
            upstream: %1$s/repos
            params:
              q: {required: true}
            upstreamHeaders:
              Authorization: "Bearer ${env:CG_WRONG_TOKEN}"
          - name: slow
            path: /slow
            upstream: %6$s/slow?token=%3$s
            params:
              q: {required: true}
            upstreamTimeout: 300ms
            upstreamQuery:
              appid: ${file:%4$s}
          - name: down
            path: /down
            upstream: http://127.0.0.1:%7$d/down?api_key=%3$s
            params:
              q: {required: true}
            upstreamHeaders:
              Authorization: "Bearer ${env:CG_TEST_TOKEN}"
        """
            .formatted(
                headerApi.url(),
                queryApi.url(),
                URL_KEY,
                keyFile,
                MARKED,
                slowApi.url(),
                closedPort));
    logs = CapturedLogs.of(org.slf4j.Logger.ROOT_LOGGER_NAME);
    gateway =
        GatewayUnderTest.start(
            Map.of(
                "CACHEGATE_ROUTES", routes.toString(),
                "CG_TEST_TOKEN", TOKEN,
                "CG_WRONG_TOKEN", WRONG_TOKEN,
                "CACHE_STALE_IF_ERROR", "0",
                "CACHEGATE_ADMIN_TOKEN", ADMIN_TOKEN),
            InstantSource.system());
  }

  @AfterAll
  static void stop() {
    gateway.close();
    logs.close();
    headerApi.close();
    queryApi.close();
    slowApi.close();
  }

  @Test
  void aBearerTokenFromTheEnvironmentGoesInTheHeaderWithCachegatesUserAgent() {
    HttpResponse<String> answer = gateway.get("/bearer?id=Cachegate");

    assertThat(answer.statusCode()).isEqualTo(200);
    KeyedApi.Seen seen = last(headerApi, "/repos/Cachegate");
    assertThat(seen.header("Authorization")).isEqualTo("Bearer " + TOKEN);
    assertThat(seen.header("User-Agent")).startsWith("cachegate/");
    assertThat(answer.headers().firstValue("Cache-Status").orElseThrow())
        .endsWith("key=\"cachegate:v2:{bearer:id=Cachegate}\"");
  }

  @Test
  void aKeyFromAFileGoesInTheQueryButNeverInTheCacheKey() {
    HttpResponse<String> first = gateway.get("/appid?q=berlin");
    HttpResponse<String> second = gateway.get("/appid?q=berlin");

    assertThat(first.statusCode()).isEqualTo(200);
    assertThat(second.headers().firstValue("X-Cache")).hasValue("HIT");
    assertThat(last(queryApi, "/weather").query())
        .isEqualTo("api_key=" + URL_KEY + "&q=berlin&appid=" + FILE_KEY);
    assertThat(first.headers().firstValue("Cache-Status").orElseThrow())
        .endsWith("key=\"cachegate:v2:{appid:q=berlin}\"");
  }

  @Test
  void aKeyTheUpstreamRefusesIsA502NamingTheRouteThatShowsNoKey() {
    HttpResponse<String> refused = gateway.get("/wrong?q=1");

    assertThat(refused.statusCode()).isEqualTo(502);
    assertThat(new JsonObject(refused.body()).getString("error"))
        .contains("refused cachegate's credentials (status 401)", "route 'wrong'")
        .doesNotContain(WRONG_TOKEN);
  }

  @Test
  void aRefusedKeyIsLoggedOnceAsACredentialsProblemNotOncePerRequest() {
    for (int i = 0; i < 3; i++) {
      assertThat(gateway.get("/wrong?q=logged" + i).statusCode()).isEqualTo(502);
    }

    List<String> lines =
        logs.events().stream()
            .map(ILoggingEvent::getFormattedMessage)
            .filter(line -> line.contains("refused cachegate's credentials"))
            .toList();

    assertThat(lines)
        .singleElement()
        .asString()
        .contains("route wrong", "route 'wrong'", "status 401")
        .doesNotContain(WRONG_TOKEN);
  }

  @Test
  void aMissingVariableOrFileStopsTheStartNamingItButNotAValue() throws IOException {
    Path routes = dir.resolve("missing.yml");
    Files.writeString(
        routes,
        """
        routes:
          - name: a
            path: /a
            upstream: http://127.0.0.1:9/a
            params: {q: {}}
            upstreamHeaders:
              Authorization: "Bearer ${env:CG_NOT_SET}"
        """);

    Throwable refused =
        org.assertj.core.api.Assertions.catchThrowable(
            () -> ConfigLoader.from(Map.of("CACHEGATE_ROUTES", routes.toString())));

    assertThat(refused)
        .isInstanceOf(ConfigException.class)
        .hasMessage(
            routes
                + " line 7: route 'a': upstreamHeaders 'Authorization': environment variable"
                + " CG_NOT_SET is not set");
  }

  @Test
  void noSecretAppearsInAnyOutputOfARunThatExercisedEveryPath() {
    List<String> outputs = new ArrayList<>();
    // 200s, a hit, a 400 for an unknown parameter
    outputs.add(show(gateway.get("/bearer?id=scan")));
    outputs.add(show(gateway.get("/appid?q=scan")));
    outputs.add(show(gateway.get("/appid?q=scan")));
    outputs.add(show(gateway.get("/appid?q=scan&appid=mine")));
    // a 401 from the upstream (502), a timeout (504), unreachable (502) until the breaker opens
    // (503)
    outputs.add(show(gateway.get("/wrong?q=scan")));
    outputs.add(show(gateway.get("/slow?q=scan")));
    List<Integer> downStatuses = new ArrayList<>();
    for (int i = 0; i < 7; i++) {
      HttpResponse<String> down = gateway.get("/down?q=scan" + i);
      downStatuses.add(down.statusCode());
      outputs.add(show(down));
    }
    // what operators see
    outputs.add(show(gateway.get("/health")));
    outputs.add(show(gateway.get("/ready")));
    outputs.add(show(gateway.get("/metrics")));
    outputs.add(show(admin("/admin/api/routes")));
    outputs.add(show(admin("/admin/api/stats")));
    for (String route : List.of("bearer", "appid", "wrong", "slow", "down")) {
      outputs.add(show(admin("/admin/api/routes/" + route + "/entries")));
    }
    outputs.add(show(admin("/admin/api/entries?route=appid&q=scan")));
    outputs.add(show(gateway.get("/admin")));
    outputs.add(show(gateway.get("/admin/app.js")));
    logs.events().forEach(event -> outputs.add(logged(event)));

    assertThat(outputs.get(0)).startsWith("200");
    assertThat(outputs.get(2)).startsWith("200").contains("x-cache: HIT");
    assertThat(outputs.get(3)).startsWith("400").contains("unknown parameter 'appid'");
    assertThat(outputs.get(4)).startsWith("502").contains("credentials (status 401)");
    assertThat(outputs.get(5)).startsWith("504");
    assertThat(downStatuses).startsWith(502).contains(503);
    assertThat(String.join("\n", outputs))
        .as("what was exercised")
        .contains("listening on port", "/appid -> ", "api_key=***", "\"upstream\"");
    for (String output : outputs) {
      for (String secret : SECRETS) {
        assertThat(output).as("an output showing a secret").doesNotContain(secret);
      }
    }
  }

  private static KeyedApi.Seen last(KeyedApi api, String pathStart) {
    return api.seen().stream()
        .filter(s -> s.path().startsWith(pathStart))
        .reduce((first, second) -> second)
        .orElseThrow();
  }

  private static HttpResponse<String> admin(String path) {
    return gateway.send(
        HttpRequest.newBuilder(gateway.uri(path)).header("Authorization", "Bearer " + ADMIN_TOKEN));
  }

  /** The status, every header and the body, as one text to scan. */
  private static String show(HttpResponse<String> answer) {
    StringBuilder text = new StringBuilder().append(answer.statusCode()).append('\n');
    answer
        .headers()
        .map()
        .forEach(
            (name, values) ->
                text.append(name).append(": ").append(String.join(", ", values)).append('\n'));
    return text.append(answer.body()).toString();
  }

  /** A log event with its stack trace, as a log file would hold it. */
  private static String logged(ILoggingEvent event) {
    return event.getLevel()
        + " "
        + event.getFormattedMessage()
        + (event.getThrowableProxy() == null
            ? ""
            : "\n" + ThrowableProxyUtil.asString(event.getThrowableProxy()));
  }
}
