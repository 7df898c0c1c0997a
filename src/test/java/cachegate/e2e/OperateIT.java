package cachegate.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import cachegate.engine.ManualClock;
import cachegate.support.GatewayUnderTest;
import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.lettuce.core.AclSetuserArgs;
import io.lettuce.core.protocol.CommandType;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.URLEncoder;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/** Metrics, health, readiness, the admin API, the access log and graceful shutdown. */
class OperateIT extends RedisAndUpstream {
  private static final String TOKEN = "test-admin-token-0123456789";
  private static final String GERMANY_KEY = "cachegate:v2:{universities:country=germany}";
  private static final String RATE_KEY = "cachegate:v2:rate:{universities}:calls";

  private final ManualClock clock = new ManualClock();

  /** Gets a cold {@code path} and waits for its answer to be in Redis (written just after it). */
  private void getStored(GatewayUnderTest gateway, String path) {
    int before = redis.keys("cachegate:v2:{*").size();
    gateway.get(path);
    await().until(() -> redis.keys("cachegate:v2:{*").size() > before);
  }

  private GatewayUnderTest admin() {
    return gateway(clock, Map.of("CACHEGATE_ADMIN_TOKEN", TOKEN));
  }

  private static HttpResponse<String> call(GatewayUnderTest gateway, String method, String path) {
    return gateway.send(
        HttpRequest.newBuilder(gateway.uri(path))
            .method(method, HttpRequest.BodyPublishers.noBody())
            .header("Authorization", "Bearer " + TOKEN));
  }

  @Test
  void metricsCountRequestsByOutcomeAndUpstreamCalls() {
    GatewayUnderTest gateway = gateway(clock);
    gateway.get("/universities?country=Germany");
    gateway.get("/universities?country=Germany");
    gateway.get("/universities?country=");

    String metrics = gateway.get("/metrics").body();

    assertThat(metrics)
        .contains("cachegate_requests_total{outcome=\"hit\",route=\"universities\"} 1.0")
        .contains("cachegate_requests_total{outcome=\"miss\",route=\"universities\"} 1.0")
        .contains("cachegate_requests_total{outcome=\"invalid\",route=\"universities\"} 1.0")
        .contains("cachegate_upstream_calls_saved_total{route=\"universities\"} 1.0")
        .contains(
            "cachegate_upstream_requests_seconds_count{result=\"success\",route=\"universities\"} 1")
        .contains("cachegate_upstream_requests_seconds_bucket{")
        .contains("cachegate_local_entries ")
        .contains("jvm_memory_used_bytes");
  }

  @Test
  void healthAndTheAdminApiShowEachRoutesRateBudget() {
    GatewayUnderTest gateway =
        gateway(clock, Map.of("CACHEGATE_ADMIN_TOKEN", TOKEN, "UPSTREAM_RATE_LIMIT", "100/min"));
    gateway.get("/universities?country=Germany");

    JsonObject health =
        new JsonObject(gateway.get("/health").body())
            .getJsonObject("upstreams")
            .getJsonObject("universities")
            .getJsonObject("budget");
    JsonObject admin =
        new JsonArray(call(gateway, "GET", "/admin/api/routes").body())
            .getJsonObject(0)
            .getJsonObject("budget");

    assertThat(health.getLong("remaining")).isEqualTo(99);
    assertThat(health.getLong("pausedForMs")).isZero();
    assertThat(health.getString("limit")).isNotBlank();
    assertThat(admin).isEqualTo(health);
  }

  @Test
  void readinessAndLivenessShowTheDependencies() {
    GatewayUnderTest gateway = gateway(clock);

    JsonObject ready = new JsonObject(gateway.get("/ready").body());

    assertThat(ready.getBoolean("ready")).isTrue();
    assertThat(ready.getJsonObject("redis").getBoolean("reachable")).isTrue();
    assertThat(ready.getJsonObject("upstreams").getJsonObject("universities").getString("circuit"))
        .isEqualTo("CLOSED");
  }

  @Test
  void withoutATokenEverythingUnderAdminIs404() {
    GatewayUnderTest gateway = gateway(clock);

    assertThat(gateway.get("/admin").statusCode()).isEqualTo(404);
    assertThat(gateway.get("/admin/").statusCode()).isEqualTo(404);
    assertThat(call(gateway, "GET", "/admin/api/stats").statusCode()).isEqualTo(404);
  }

  @Test
  void adminApiRefusesMissingOrWrongTokens() {
    GatewayUnderTest gateway = admin();

    HttpResponse<String> none = gateway.get("/admin/api/stats");
    HttpResponse<String> wrong =
        gateway.send(
            HttpRequest.newBuilder(gateway.uri("/admin/api/stats"))
                .header("Authorization", "Bearer " + TOKEN + "x"));

    assertThat(none.statusCode()).isEqualTo(401);
    assertThat(none.headers().firstValue("WWW-Authenticate"))
        .hasValueSatisfying(v -> assertThat(v).startsWith("Bearer"));
    assertThat(new JsonObject(none.body()).getInteger("status")).isEqualTo(401);
    assertThat(wrong.statusCode()).isEqualTo(401);
  }

  @Test
  void dashboardPageIsServedWhenTheTokenIsSet() {
    GatewayUnderTest gateway = admin();

    HttpResponse<String> page = gateway.get("/admin/");

    assertThat(page.statusCode()).isEqualTo(200);
    assertThat(page.headers().firstValue("Content-Type").orElseThrow()).startsWith("text/html");
  }

  @Test
  void entriesOfARouteAreListedPageByPageWithTheirMetadata() {
    GatewayUnderTest gateway = admin();
    for (String country : new String[] {"Germany", "France", "Japan", "Turkey", "United+States"}) {
      getStored(gateway, "/universities?country=" + country);
    }
    redis.set("not-ours", "x");
    clock.advance(Duration.ofSeconds(10));

    JsonArray all = new JsonArray();
    String cursor = "0";
    int pages = 0;
    do {
      JsonObject page =
          new JsonObject(
              call(
                      gateway,
                      "GET",
                      "/admin/api/routes/universities/entries?count=2&cursor=" + cursor)
                  .body());
      page.getJsonArray("entries").forEach(all::add);
      cursor = page.getString("cursor");
      pages++;
    } while (!cursor.equals("0") && pages < 50);

    assertThat(all.size()).isEqualTo(5);
    JsonObject germany =
        all.stream()
            .map(JsonObject.class::cast)
            .filter(e -> e.getString("key").equals(GERMANY_KEY))
            .findFirst()
            .orElseThrow();
    assertThat(germany.getJsonObject("params").getString("country")).isEqualTo("germany");
    assertThat(germany.getLong("bytes")).isEqualTo(redis.strlen(GERMANY_KEY));
    assertThat(germany.getLong("ageSeconds")).isEqualTo(10);
    assertThat(germany.getLong("ttlSeconds")).isEqualTo(20);
    assertThat(germany.getLong("expiresInSeconds")).isPositive();
  }

  @Test
  void oneEntryIsDescribedByItsQuery() {
    GatewayUnderTest gateway = admin();
    getStored(gateway, "/universities?country=Germany");

    HttpResponse<String> found =
        call(gateway, "GET", "/admin/api/entries?route=universities&country=GERMANY");
    HttpResponse<String> missing = call(gateway, "GET", "/admin/api/entries?country=Japan");

    assertThat(new JsonObject(found.body()).getString("key")).isEqualTo(GERMANY_KEY);
    assertThat(missing.statusCode()).isEqualTo(404);
  }

  @Test
  void purgeOfOneEntryRemovesItFromRedisAndFromEveryInstancesLocalTier() {
    GatewayUnderTest a = admin();
    GatewayUnderTest b = admin();
    getStored(a, "/universities?country=Germany");
    b.get("/universities?country=Germany");
    await()
        .atMost(Duration.ofSeconds(5))
        .until(
            () -> redis.pubsubNumsub("cachegate:v2:evictions").get("cachegate:v2:evictions") >= 2);

    JsonObject purged =
        new JsonObject(call(a, "DELETE", "/admin/api/entries?country=Germany").body());

    assertThat(purged.getInteger("purged")).isEqualTo(1);
    assertThat(redis.exists(GERMANY_KEY)).isZero();
    await()
        .atMost(Duration.ofSeconds(1))
        .untilAsserted(
            () ->
                assertThat(b.get("/universities?country=Germany").headers().firstValue("X-Cache"))
                    .hasValue("MISS"));
  }

  @Test
  void aPurgeThatCannotTellTheOtherInstancesSaysSoInItsAnswerAndIsCounted() {
    GatewayUnderTest gateway = admin();
    getStored(gateway, "/universities?country=Germany");

    JsonObject purged;
    redis.aclSetuser("default", AclSetuserArgs.Builder.removeCommand(CommandType.PUBLISH));
    try {
      purged = new JsonObject(call(gateway, "DELETE", "/admin/api/entries?country=Germany").body());
    } finally {
      redis.aclSetuser("default", AclSetuserArgs.Builder.addCommand(CommandType.PUBLISH));
    }

    assertThat(purged.getInteger("purged")).isEqualTo(1);
    assertThat(purged.getString("otherInstancesNotTold"))
        .contains("NOPERM")
        .endsWith("they serve their local copies until those stop being fresh");
    assertThat(redis.exists(GERMANY_KEY)).isZero();
    assertThat(gateway.get("/metrics").body())
        .contains("cachegate_store_errors_total{tier=\"evictions\"} 1.0");
  }

  @Test
  void purgeByKeyAndPurgeOfARouteAndOfEverythingOfOursLeaveOtherKeysAndRateBudgetsAlone() {
    GatewayUnderTest gateway = admin();
    getStored(gateway, "/universities?country=Germany");
    getStored(gateway, "/universities?country=France");
    getStored(gateway, "/universities?country=Japan");
    redis.set("someone-else:key", "keep me");
    redis.zadd(RATE_KEY, 1, "a call");

    JsonObject byKey =
        new JsonObject(
            call(
                    gateway,
                    "DELETE",
                    "/admin/api/entries?key="
                        + URLEncoder.encode(GERMANY_KEY, StandardCharsets.UTF_8))
                .body());
    JsonObject route =
        new JsonObject(call(gateway, "DELETE", "/admin/api/routes/universities/entries").body());
    getStored(gateway, "/universities?country=Turkey");
    JsonObject everything =
        new JsonObject(call(gateway, "DELETE", "/admin/api/entries?all=true").body());

    assertThat(byKey.getInteger("purged")).isEqualTo(1);
    assertThat(route.getLong("purged")).isEqualTo(2);
    assertThat(everything.getLong("purged")).isGreaterThanOrEqualTo(1);
    assertThat(redis.keys("*")).containsExactlyInAnyOrder("someone-else:key", RATE_KEY);
    assertThat(gateway.get("/universities?country=France").headers().firstValue("X-Cache"))
        .hasValue("MISS");
  }

  @Test
  void softPurgeServesTheEntryStaleWhileOneRefreshReplacesIt() {
    GatewayUnderTest gateway = admin();
    gateway.get("/universities?country=Germany");

    JsonObject soft =
        new JsonObject(
            call(gateway, "POST", "/admin/api/entries/soft-purge?country=Germany").body());
    HttpResponse<String> next = gateway.get("/universities?country=Germany");

    assertThat(soft.getInteger("softPurged")).isEqualTo(1);
    assertThat(next.headers().firstValue("X-Cache")).hasValue("STALE");
    await().atMost(Duration.ofSeconds(5)).until(() -> upstream.requests() == 2);
    await()
        .atMost(Duration.ofSeconds(5))
        .untilAsserted(
            () ->
                assertThat(
                        gateway
                            .get("/universities?country=Germany")
                            .headers()
                            .firstValue("X-Cache"))
                    .hasValue("HIT"));
  }

  @Test
  void warmFetchesAListOfQueriesAndReportsEach() {
    GatewayUnderTest gateway = admin();

    HttpResponse<String> response =
        gateway.send(
            HttpRequest.newBuilder(gateway.uri("/admin/api/warm"))
                .header("Authorization", "Bearer " + TOKEN)
                .header("Content-Type", "application/json")
                .POST(
                    HttpRequest.BodyPublishers.ofString(
                        "{\"queries\":[\"country=Germany\",\"country=France\",\"limit=3\"]}")));

    JsonArray results = new JsonObject(response.body()).getJsonArray("results");
    assertThat(results.getJsonObject(0).getString("outcome")).isEqualTo("MISS");
    assertThat(results.getJsonObject(1).getInteger("status")).isEqualTo(200);
    assertThat(results.getJsonObject(2).getInteger("status")).isEqualTo(400);
    assertThat(gateway.get("/universities?country=Germany").headers().firstValue("X-Cache"))
        .hasValue("HIT");
  }

  @Test
  void statsCountTheTrafficForTheDashboard() {
    GatewayUnderTest gateway = admin();
    gateway.get("/universities?country=Germany");
    String hit = gateway.get("/universities?country=Germany").body();

    JsonObject stats = new JsonObject(call(gateway, "GET", "/admin/api/stats").body());

    assertThat(stats.getJsonObject("requests").getLong("hit")).isEqualTo(1);
    assertThat(stats.getJsonObject("requests").getLong("miss")).isEqualTo(1);
    assertThat(stats.getLong("upstreamCalls")).isEqualTo(1);
    assertThat(stats.getJsonObject("localTier").getLong("entries")).isEqualTo(1);
    // The hit was answered in identity from an off-heap copy of the body; no file was needed.
    JsonObject forms = stats.getJsonObject("identityForms");
    assertThat(forms.getLong("offHeapBytes"))
        .isEqualTo(hit.getBytes(StandardCharsets.UTF_8).length);
    assertThat(forms.getLong("files")).isZero();
    assertThat(forms.getLong("fileBytes")).isZero();
  }

  @Test
  void everyRequestGetsOneAccessLogLineWithItsOutcomeAndRequestId() {
    Logger access = (Logger) LoggerFactory.getLogger("cachegate.access");
    ListAppender<ILoggingEvent> lines = new ListAppender<>();
    lines.start();
    access.addAppender(lines);
    Level before = access.getLevel();
    access.setLevel(Level.INFO);
    try {
      GatewayUnderTest gateway = gateway(clock);

      HttpResponse<String> answer =
          gateway.send(
              HttpRequest.newBuilder(gateway.uri("/universities?country=Germany"))
                  .header("X-Request-Id", "abc-123"));

      assertThat(answer.headers().firstValue("X-Request-Id")).hasValue("abc-123");
      await()
          .atMost(Duration.ofSeconds(2))
          .untilAsserted(
              () ->
                  assertThat(lines.list)
                      .anySatisfy(
                          event ->
                              assertThat(event.getFormattedMessage())
                                  .matches(
                                      "GET /universities\\?country=Germany 200 MISS [0-9.]+ms id=abc-123")));
    } finally {
      access.setLevel(before);
      access.detachAppender(lines);
    }
  }

  @Test
  void shutdownLetsRequestsInFlightFinish() throws Exception {
    GatewayUnderTest gateway = gateway(clock);
    upstream.slow(Duration.ofMillis(800));

    CompletableFuture<HttpResponse<String>> inFlight =
        gateway.getAsync("/universities?country=Germany");
    Thread.sleep(200);
    CompletableFuture<Void> closing = CompletableFuture.runAsync(gateway::close);

    assertThat(inFlight.get().statusCode()).isEqualTo(200);
    closing.get();
  }
}
