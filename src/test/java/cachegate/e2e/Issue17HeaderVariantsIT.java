package cachegate.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import cachegate.support.CapturedLogs;
import cachegate.support.GatewayUnderTest;
import cachegate.support.LoopbackHttp;
import cachegate.support.RedisServer;
import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import com.sun.net.httpserver.HttpExchange;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.net.URLEncoder;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/**
 * Issue 17: a route that varies by {@code Authorization} and {@code X-Tenant} and forwards {@code
 * Authorization} to a per-user API, over real HTTP with a real {@code redis-server}. Each client
 * gets the answer the upstream built with its own token, every answer says what it varies by, and
 * no token is ever written to Redis's keys, a log line, an answer's headers, {@code /health},
 * {@code /metrics} or the admin API.
 */
class Issue17HeaderVariantsIT {
  private static final String ALICE = "Bearer alice-token-5150";
  private static final String BOB = "Bearer bob-token-8086";
  private static final String ADMIN_TOKEN = "variants-admin-token";
  private static final String VARY = "Accept-Encoding, Authorization, X-Tenant";

  @TempDir static Path dir;

  static RedisServer redis;
  static PerUserApi api;
  static CapturedLogs logs;
  static CapturedLogs accessLog;
  static GatewayUnderTest gateway;

  @BeforeAll
  static void start() throws IOException {
    redis = RedisServer.start();
    api = new PerUserApi(Map.of(ALICE, "alice", BOB, "bob"));
    Path routes = dir.resolve("routes.yml");
    Files.writeString(
        routes,
        """
        routes:
          - name: repos
            path: /repos
            upstream: %s/user/repos
            params:
              sort: {type: string, default: updated}
            varyHeaders: [Authorization, X-Tenant]
            forwardHeaders: [Authorization]
            upstreamHeaders:
              X-Gateway: cachegate
            staleIfError: 0
        """
            .formatted(api.url()));
    logs = CapturedLogs.of(org.slf4j.Logger.ROOT_LOGGER_NAME);
    accessLog = CapturedLogs.of("cachegate.access");
    // Quiet in tests (logback-test.xml); this test reads it for tokens.
    accessLogger().setLevel(Level.INFO);
    gateway =
        GatewayUnderTest.start(
            Map.of(
                "CACHE_TYPE",
                "redis",
                "CACHE_REDIS_URL",
                redis.url(),
                "CACHE_REDIS_TIMEOUT",
                "2s",
                "CACHEGATE_ROUTES",
                routes.toString(),
                "CACHEGATE_ADMIN_TOKEN",
                ADMIN_TOKEN),
            InstantSource.system());
  }

  @AfterAll
  static void stop() {
    gateway.close();
    logs.close();
    accessLog.close();
    accessLogger().setLevel(Level.WARN);
    api.close();
    redis.close();
  }

  @BeforeEach
  void emptyTheCache() {
    // Through cachegate, so that its local tier forgets too.
    assertThat(admin("DELETE", "/admin/api/entries?all=true").statusCode()).isEqualTo(200);
    api.seen.clear();
  }

  @Test
  void twoClientsWithDifferentTokensEachGetTheAnswerBuiltWithTheirOwn() {
    HttpResponse<String> alice = stored(get("/repos?sort=name", ALICE));
    HttpResponse<String> bob = stored(get("/repos?sort=name", BOB));
    HttpResponse<String> aliceAgain = get("/repos?sort=name", ALICE);
    HttpResponse<String> bobAgain = get("/repos?sort=name", BOB);

    assertThat(user(alice)).isEqualTo("alice");
    assertThat(user(bob)).isEqualTo("bob");
    assertThat(List.of(alice, bob)).allMatch(answer -> xCache(answer).equals("MISS"));
    assertThat(user(aliceAgain)).isEqualTo("alice");
    assertThat(user(bobAgain)).isEqualTo("bob");
    assertThat(List.of(aliceAgain, bobAgain)).allMatch(answer -> xCache(answer).equals("HIT"));
    assertThat(api.seen).extracting(seen -> seen.authorization).containsExactly(ALICE, BOB);
    assertThat(api.seen)
        .as("the route's own header goes too; a header it only varies by does not")
        .allMatch(seen -> seen.gateway.equals("cachegate") && seen.tenant.isEmpty());
    assertThat(List.of(alice, bob, aliceAgain, bobAgain))
        .allMatch(answer -> answer.headers().firstValue("Vary").orElse("").equals(VARY));
  }

  @Test
  void aNotModifiedAnswerVariesByTheSameHeaders() {
    HttpResponse<String> first = stored(get("/repos", ALICE));
    String etag = first.headers().firstValue("ETag").orElseThrow();

    HttpResponse<String> notModified =
        gateway.send(request("/repos", ALICE).header("If-None-Match", etag));

    assertThat(notModified.statusCode()).isEqualTo(304);
    assertThat(notModified.headers().firstValue("Vary")).hasValue(VARY);
  }

  @Test
  void aRequestWithoutTheTokenOrWithAnotherTenantIsNeverServedAnotherVariant() {
    stored(get("/repos", ALICE));

    HttpResponse<String> anonymous = gateway.get("/repos");
    HttpResponse<String> empty = get("/repos", "");
    HttpResponse<String> otherTenant =
        gateway.send(request("/repos", ALICE).header("X-Tenant", "acme"));

    assertThat(anonymous.statusCode())
        .as("the upstream refuses a request without a token")
        .isEqualTo(502);
    assertThat(empty.statusCode()).isEqualTo(502);
    assertThat(xCache(otherTenant)).isEqualTo("MISS");
    assertThat(user(otherTenant)).isEqualTo("alice");
    assertThat(api.seen)
        .extracting(seen -> seen.authorization)
        .containsExactly(ALICE, "", "", ALICE);
  }

  @Test
  void aHeaderTheRouteVariesByGivenTwiceIsRefusedWithoutCallingTheUpstream() {
    HttpResponse<String> twice =
        gateway.send(request("/repos", ALICE).header("X-Tenant", "a").header("X-Tenant", "b"));

    assertThat(twice.statusCode()).isEqualTo(400);
    assertThat(new JsonObject(twice.body()).getString("error"))
        .isEqualTo("header 'X-Tenant' must be given at most once");
    assertThat(api.seen).isEmpty();
  }

  @Test
  void aTokenLongerThanTheRequestHeadersLimitIsRefusedWithoutCallingTheUpstream() {
    HttpResponse<String> tooLong = get("/repos", "Bearer " + "x".repeat(9000));

    assertThat(tooLong.statusCode()).isEqualTo(431);
    assertThat(api.seen).isEmpty();
    assertThat(gateway.get("/metrics").body())
        .containsPattern(
            "cachegate_limits_reached_total\\{[^}]*limit=\"request-headers-too-large\"[^}]*} [1-9]");
  }

  @Test
  void purgingByTheRoutesParametersRemovesEveryVariantAndAKeyRemovesOne() {
    String aliceKey = key(stored(get("/repos", ALICE)));
    String bobKey = key(stored(get("/repos", BOB)));
    String otherParamsKey = key(stored(get("/repos?sort=name", ALICE)));

    HttpResponse<String> one = admin("DELETE", "/admin/api/entries?key=" + encode(aliceKey));
    HttpResponse<String> byParams = admin("DELETE", "/admin/api/entries?route=repos");
    HttpResponse<String> describeByParams = admin("GET", "/admin/api/entries?route=repos");

    assertThat(new JsonObject(one.body()).getLong("purged")).isEqualTo(1);
    assertThat(new JsonObject(byParams.body()).getLong("purged")).isEqualTo(1);
    assertThat(redis.sync().exists(aliceKey, bobKey)).isZero();
    assertThat(redis.sync().exists(otherParamsKey)).isEqualTo(1);
    assertThat(describeByParams.statusCode()).isEqualTo(400);
    assertThat(new JsonObject(describeByParams.body()).getString("error"))
        .contains("keeps an entry per value of its varyHeaders");
  }

  @Test
  void warmingARouteThatVariesByHeadersIsRefused() {
    HttpResponse<String> warm =
        gateway.send(
            HttpRequest.newBuilder(gateway.uri("/admin/api/warm"))
                .header("Authorization", "Bearer " + ADMIN_TOKEN)
                .POST(HttpRequest.BodyPublishers.ofString("{\"queries\":[\"sort=name\"]}")));

    assertThat(warm.statusCode()).isEqualTo(400);
    assertThat(api.seen).isEmpty();
  }

  @Test
  void noTokenAppearsInRedisKeysLogsAnswersHealthMetricsOrTheAdminApi() {
    List<String> outputs = new ArrayList<>();
    HttpResponse<String> alice = stored(get("/repos", ALICE));
    outputs.add(show(alice));
    outputs.add(show(stored(get("/repos", BOB))));
    outputs.add(show(get("/repos", BOB)));
    outputs.add(show(gateway.get("/repos")));
    outputs.add(show(gateway.send(request("/repos", ALICE).header("Authorization", BOB))));
    outputs.add(show(gateway.get("/health")));
    outputs.add(show(gateway.get("/metrics")));
    outputs.add(show(admin("GET", "/admin/api/routes")));
    HttpResponse<String> listing = admin("GET", "/admin/api/routes/repos/entries");
    outputs.add(show(listing));
    outputs.add(show(admin("GET", "/admin/api/entries?key=" + encode(key(alice)))));
    outputs.add(show(admin("POST", "/admin/api/entries/soft-purge?key=" + encode(key(alice)))));
    outputs.add(show(admin("DELETE", "/admin/api/entries?route=repos")));
    logs.events().forEach(event -> outputs.add(event.getFormattedMessage()));
    accessLog.events().forEach(event -> outputs.add(event.getFormattedMessage()));
    outputs.addAll(redis.sync().keys("*"));

    JsonArray entries = new JsonObject(listing.body()).getJsonArray("entries");
    assertThat(entries).hasSize(2);
    assertThat(entries.getJsonObject(0).getJsonObject("variant").getMap())
        .containsOnlyKeys("authorization", "x-tenant")
        .containsEntry("x-tenant", "-");
    assertThat(String.join("\n", outputs))
        .as("what was exercised")
        .contains(
            "\"varyHeaders\"",
            "cachegate:v2:{repos:sort=updated|authorization=",
            "/repos -> ",
            "GET /repos 400");
    for (String output : outputs) {
      for (String token : List.of("alice-token", "bob-token")) {
        assertThat(output).as("an output showing a token").doesNotContain(token);
      }
    }
  }

  private static Logger accessLogger() {
    return (Logger) LoggerFactory.getLogger("cachegate.access");
  }

  private static HttpRequest.Builder request(String path, String authorization) {
    return HttpRequest.newBuilder(gateway.uri(path)).header("Authorization", authorization);
  }

  private static HttpResponse<String> get(String path, String authorization) {
    return gateway.send(request(path, authorization));
  }

  /** {@code answer}, once the entry it was answered from (or fetched into) is in Redis. */
  private static HttpResponse<String> stored(HttpResponse<String> answer) {
    assertThat(answer.statusCode()).as(answer.body()).isEqualTo(200);
    await().atMost(Duration.ofSeconds(10)).until(() -> redis.sync().exists(key(answer)) == 1);
    return answer;
  }

  private static HttpResponse<String> admin(String method, String path) {
    return gateway.send(
        HttpRequest.newBuilder(gateway.uri(path))
            .header("Authorization", "Bearer " + ADMIN_TOKEN)
            .method(method, HttpRequest.BodyPublishers.noBody()));
  }

  private static String key(HttpResponse<String> answer) {
    String status = answer.headers().firstValue("Cache-Status").orElseThrow();
    return status.substring(status.indexOf("key=\"") + 5, status.length() - 1);
  }

  private static String xCache(HttpResponse<String> answer) {
    return answer.headers().firstValue("X-Cache").orElse("");
  }

  private static String user(HttpResponse<String> answer) {
    return new JsonObject(answer.body()).getString("user");
  }

  private static String encode(String text) {
    return URLEncoder.encode(text, StandardCharsets.UTF_8);
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

  /**
   * A per-user API on loopback: answers {@code {"user": …}} for a known bearer token, 401
   * otherwise, and records the headers each request carried. Never echoes a token.
   */
  static final class PerUserApi implements AutoCloseable {
    record Seen(String authorization, String tenant, String gateway) {}

    final List<Seen> seen = new CopyOnWriteArrayList<>();
    private final Map<String, String> users;
    private final LoopbackHttp http;

    PerUserApi(Map<String, String> users) {
      this.users = Map.copyOf(users);
      http = LoopbackHttp.serve(this::answer);
    }

    String url() {
      return http.url();
    }

    private void answer(HttpExchange exchange) throws IOException {
      String authorization = header(exchange, "Authorization");
      seen.add(
          new Seen(authorization, header(exchange, "X-Tenant"), header(exchange, "X-Gateway")));
      try (exchange) {
        Optional<String> user = Optional.ofNullable(users.get(authorization));
        byte[] body =
            (user.isPresent()
                    ? new JsonObject().put("user", user.get()).put("repos", new JsonArray())
                    : new JsonObject().put("message", "Bad credentials"))
                .encode()
                .getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", "application/json");
        exchange.sendResponseHeaders(user.isPresent() ? 200 : 401, body.length);
        exchange.getResponseBody().write(body);
      }
    }

    private static String header(HttpExchange exchange, String name) {
      return Optional.ofNullable(exchange.getRequestHeaders().getFirst(name)).orElse("");
    }

    @Override
    public void close() {
      http.close();
    }
  }
}
