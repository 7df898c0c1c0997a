package cachegate.faults;

import static org.assertj.core.api.Assertions.assertThat;

import cachegate.engine.ManualClock;
import cachegate.support.FakeUniversitiesApi;
import cachegate.support.GatewayUnderTest;
import cachegate.support.ResettingServer;
import io.vertx.core.json.JsonObject;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The upstream fails in every way it can, with and without stale entries to fall back on: answers
 * are always bounded in time and say what happened. The in-process cache is used so that each test
 * controls exactly what is stored.
 */
class UpstreamFaultsIT {
  private static final String GERMANY = "/universities?country=Germany";

  private final ManualClock clock = new ManualClock();
  private FakeUniversitiesApi upstream;
  private GatewayUnderTest gateway;

  @BeforeEach
  void startUpstream() {
    upstream = FakeUniversitiesApi.start();
  }

  @AfterEach
  void stopAll() {
    if (gateway != null) {
      gateway.close();
    }
    upstream.close();
  }

  private GatewayUnderTest start(Map<String, String> overrides) {
    Map<String, String> env = new HashMap<>();
    env.put("CACHE_TYPE", "simple");
    env.put("UNIVERSITIES_API_URL", upstream.url());
    env.put("UPSTREAM_TIMEOUT", "1");
    env.put("CACHE_TTL_JITTER", "0");
    env.putAll(overrides);
    gateway = GatewayUnderTest.start(env, clock);
    return gateway;
  }

  @Test
  void concurrentUpstreamRequestsAreCappedAndTheQueueIsBounded() {
    start(
        Map.of(
            "UPSTREAM_MAX_CONCURRENCY", "2", "UPSTREAM_MAX_QUEUE", "2", "UPSTREAM_TIMEOUT", "5"));
    upstream.slow(Duration.ofMillis(400));

    List<CompletableFuture<HttpResponse<String>>> pending =
        IntStream.range(0, 10)
            .mapToObj(i -> gateway.getAsync("/universities?country=Germany&offset=" + i))
            .toList();
    List<HttpResponse<String>> answers = pending.stream().map(CompletableFuture::join).toList();

    assertThat(upstream.maxConcurrent()).isEqualTo(2);
    assertThat(answers.stream().filter(a -> a.statusCode() == 200)).hasSize(4);
    assertThat(answers.stream().filter(a -> a.statusCode() == 503))
        .hasSize(6)
        .allSatisfy(a -> assertThat(a.headers().firstValue("Retry-After")).hasValue("1"));
    assertThat(upstream.requests()).isEqualTo(4);
  }

  @Test
  void afterFiveFailuresTheBreakerOpensAndServesStaleOr503WithoutAskingTheUpstream() {
    start(Map.of());
    gateway.get(GERMANY);
    clock.advance(Duration.ofMinutes(5));
    upstream.failWith(500);
    IntStream.range(0, 5).forEach(i -> gateway.get("/universities?country=France&offset=" + i));
    int askedBefore = upstream.requests();

    HttpResponse<String> noEntry = gateway.get("/universities?country=Japan");
    HttpResponse<String> withEntry = gateway.get(GERMANY);
    JsonObject health = new JsonObject(gateway.get("/health").body());

    assertThat(noEntry.statusCode()).isEqualTo(503);
    assertThat(noEntry.headers().firstValue("Retry-After")).hasValue("5");
    assertThat(new JsonObject(noEntry.body()).getString("error")).contains("was not asked");
    assertThat(withEntry.statusCode()).isEqualTo(200);
    assertThat(withEntry.headers().firstValue("X-Cache")).hasValue("STALE-IF-ERROR");
    assertThat(upstream.requests()).isEqualTo(askedBefore);
    assertThat(health.getString("status")).isEqualTo("DEGRADED");
    assertThat(health.getJsonObject("upstreams").getJsonObject("universities").getString("circuit"))
        .isEqualTo("OPEN");
  }

  @Test
  void afterTheOpenPeriodOneProbeClosesTheBreakerAgain() {
    start(Map.of());
    upstream.failWith(500);
    IntStream.range(0, 5).forEach(i -> gateway.get("/universities?country=France&offset=" + i));
    upstream.reset();

    clock.advance(Duration.ofSeconds(6));
    HttpResponse<String> probe = gateway.get(GERMANY);
    HttpResponse<String> next = gateway.get("/universities?country=Japan");

    assertThat(probe.statusCode()).isEqualTo(200);
    assertThat(next.statusCode()).isEqualTo(200);
    assertThat(upstream.requests()).isEqualTo(2);
  }

  @Test
  void retryAfterOn429IsHonouredAndServesStaleMeanwhile() {
    start(Map.of());
    gateway.get(GERMANY);
    clock.advance(Duration.ofMinutes(5));
    upstream.reset();
    upstream.failWith(429).withHeader("Retry-After", "30");

    HttpResponse<String> limited = gateway.get("/universities?country=Japan");
    HttpResponse<String> stale = gateway.get(GERMANY);
    HttpResponse<String> stillLimited = gateway.get("/universities?country=France");
    int asked = upstream.requests();
    upstream.reset();
    clock.advance(Duration.ofSeconds(31));
    HttpResponse<String> afterwards = gateway.get("/universities?country=France");

    assertThat(limited.statusCode()).isEqualTo(503);
    assertThat(limited.headers().firstValue("Retry-After")).hasValue("30");
    assertThat(stale.headers().firstValue("X-Cache")).hasValue("STALE-IF-ERROR");
    assertThat(stillLimited.statusCode()).isEqualTo(503);
    assertThat(asked).as("only the first request asked the upstream").isEqualTo(1);
    assertThat(afterwards.statusCode()).isEqualTo(200);
  }

  @Test
  void answersThatSetCookiesArePassedThroughButNotStored() {
    start(Map.of());
    upstream.withHeader("Set-Cookie", "session=abc; HttpOnly");

    HttpResponse<String> first = gateway.get(GERMANY);
    HttpResponse<String> second = gateway.get(GERMANY);

    assertThat(first.statusCode()).isEqualTo(200);
    assertThat(first.headers().firstValue("Set-Cookie")).hasValue("session=abc; HttpOnly");
    assertThat(first.headers().firstValue("Cache-Status").orElseThrow()).doesNotContain("stored");
    assertThat(second.headers().firstValue("X-Cache")).hasValue("MISS");
    assertThat(upstream.requests()).isEqualTo(2);
  }

  @Test
  void privateAndNoStoreAnswersArePassedThroughButNotStored() {
    for (String directive : List.of("private, max-age=60", "no-store")) {
      start(Map.of());
      upstream.reset();
      upstream.withHeader("Cache-Control", directive);

      HttpResponse<String> first = gateway.get(GERMANY);
      HttpResponse<String> second = gateway.get(GERMANY);

      assertThat(first.headers().firstValue("Cache-Control")).hasValue(directive);
      assertThat(second.headers().firstValue("X-Cache")).hasValue("MISS");
      assertThat(upstream.requests()).isEqualTo(2);
      gateway.close();
      gateway = null;
    }
  }

  @Test
  void publicCacheControlDoesNotStopStoring() {
    start(Map.of());
    upstream.withHeader("Cache-Control", "public, max-age=5");

    gateway.get(GERMANY);
    HttpResponse<String> second = gateway.get(GERMANY);

    assertThat(second.headers().firstValue("X-Cache")).hasValue("HIT");
  }

  @Test
  void connectionResetIs502WithoutStaleAndStaleIfErrorWithIt() {
    start(Map.of());
    gateway.get(GERMANY);
    gateway.close();
    clock.advance(Duration.ofMinutes(5));
    try (ResettingServer resetting = ResettingServer.start()) {
      Map<String, String> env = new HashMap<>();
      env.put("CACHE_TYPE", "simple");
      env.put("UNIVERSITIES_API_URL", resetting.url());
      gateway = GatewayUnderTest.start(env, clock);

      HttpResponse<String> answer = gateway.get(GERMANY);

      assertThat(answer.statusCode()).isEqualTo(502);
      assertThat(new JsonObject(answer.body()).getString("error")).contains("unreachable");
      assertThat(resetting.connections()).isPositive();
    }
  }

  @Test
  void deadUpstreamServesStaleEntriesAndErrorsForOthers() throws Exception {
    start(Map.of());
    gateway.get(GERMANY);
    clock.advance(Duration.ofMinutes(5));
    upstream.close();

    HttpResponse<String> withEntry = gateway.get(GERMANY);
    HttpResponse<String> withoutEntry = gateway.get("/universities?country=Japan");

    assertThat(withEntry.statusCode()).isEqualTo(200);
    assertThat(withEntry.headers().firstValue("X-Cache")).hasValue("STALE-IF-ERROR");
    assertThat(withoutEntry.statusCode()).isEqualTo(502);
  }

  @Test
  void slowUpstreamIs504WithoutStaleAndStaleIfErrorWithIt() {
    start(Map.of("UPSTREAM_TIMEOUT", "0.3"));
    gateway.get(GERMANY);
    clock.advance(Duration.ofMinutes(5));
    upstream.slow(Duration.ofSeconds(2));

    HttpResponse<String> withEntry = gateway.get(GERMANY);
    HttpResponse<String> withoutEntry = gateway.get("/universities?country=Japan");

    assertThat(withEntry.headers().firstValue("X-Cache")).hasValue("STALE-IF-ERROR");
    assertThat(withoutEntry.statusCode()).isEqualTo(504);
  }
}
