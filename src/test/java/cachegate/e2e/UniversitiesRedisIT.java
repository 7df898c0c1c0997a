package cachegate.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import cachegate.engine.ManualClock;
import cachegate.support.GatewayUnderTest;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** End to end over HTTP: cachegate with a real Redis in front of the fake universities API. */
class UniversitiesRedisIT extends RedisAndUpstream {
  private static final String GERMANY_KEY = "cachegate:v2:{universities:country=germany}";

  private final ManualClock clock = new ManualClock();
  private GatewayUnderTest gateway;

  @BeforeEach
  void startGateway() {
    gateway = start(Map.of());
  }

  /** cachegate as the base class starts it, with the tutorial's name for the Redis cache. */
  private GatewayUnderTest start(Map<String, String> overrides) {
    Map<String, String> env = new java.util.HashMap<>(Map.of("CACHE_TYPE", "RedisCache"));
    env.putAll(overrides);
    return gateway(clock, env);
  }

  @Test
  void firstCallIsAMissAndTheSecondAHitWithTheUpstreamBody() {
    byte[] expected = upstream.answer(Map.of("country", "germany"));

    HttpResponse<String> first = gateway.get("/universities?country=Germany");
    HttpResponse<String> second = gateway.get("/universities?country=Germany");

    assertThat(first.statusCode()).isEqualTo(200);
    assertThat(first.headers().firstValue("Content-Type")).hasValue("application/json");
    assertThat(first.headers().firstValue("X-Cache")).hasValue("MISS");
    assertThat(first.headers().firstValue("Age")).hasValue("0");
    assertThat(first.headers().firstValue("Cache-Status"))
        .hasValue(
            "cachegate; fwd=uri-miss; fwd-status=200; stored; ttl=30; key=\"" + GERMANY_KEY + "\"");
    assertThat(first.body().getBytes(StandardCharsets.UTF_8)).isEqualTo(expected);
    assertThat(second.statusCode()).isEqualTo(200);
    assertThat(second.headers().firstValue("X-Cache")).hasValue("HIT");
    assertThat(second.headers().firstValue("Cache-Status"))
        .get()
        .asString()
        .startsWith("cachegate; hit; ttl=");
    assertThat(second.body()).isEqualTo(first.body());
    assertThat(upstream.requests()).isEqualTo(1);
  }

  @Test
  void answerIsTheSameJsonArrayAsTheUpstreamsInTheSameOrder() {
    JsonArray direct =
        new JsonArray(
            new String(
                upstream.answer(Map.of("country", "united states")), StandardCharsets.UTF_8));

    JsonArray served = new JsonArray(gateway.get("/universities?country=United+States").body());

    assertThat(served.size()).isPositive();
    assertThat(served).isEqualTo(direct);
    assertThat(served.getJsonObject(0)).isInstanceOf(JsonObject.class);
  }

  @Test
  void caseAndParameterOrderVariantsShareOneEntry() {
    gateway.get("/universities?country=Germany&limit=3");

    HttpResponse<String> reordered = gateway.get("/universities?limit=3&country=GERMANY");
    HttpResponse<String> padded = gateway.get("/universities?country=%20germany%20&limit=003");

    assertThat(reordered.headers().firstValue("X-Cache")).hasValue("HIT");
    assertThat(padded.headers().firstValue("X-Cache")).hasValue("HIT");
    assertThat(upstream.requests()).isEqualTo(1);
    // The entry is written right after the first answer.
    await()
        .untilAsserted(
            () ->
                assertThat(redis.keys(ENTRIES))
                    .containsExactly("cachegate:v2:{universities:country=germany&limit=3}"));
  }

  @Test
  void entryAndItsTtlAreVisibleInRedis() {
    gateway.get("/universities?country=Germany");

    await().until(() -> redis.exists(GERMANY_KEY) == 1);
    assertThat(redis.pttl(GERMANY_KEY))
        .as("TTL plus the stale-if-error window")
        .isBetween(86_425_000L, 86_430_000L);
  }

  @Test
  void onlyAllowListedParametersAreForwardedAndNormalised() {
    gateway.get("/universities?name=Middle&country=Turkey&foo=bar&limit=5&offset=0");

    assertThat(upstream.queries()).containsExactly("country=turkey&limit=5&name=middle&offset=0");
  }

  @Test
  void unknownParametersAreNotPartOfTheKey() {
    gateway.get("/universities?country=France&utm_source=x");

    HttpResponse<String> other = gateway.get("/universities?country=France&utm_source=y");

    assertThat(other.headers().firstValue("X-Cache")).hasValue("HIT");
    assertThat(upstream.requests()).isEqualTo(1);
  }

  @Test
  void entryPastItsTtlIsFetchedAgain() {
    gateway.get("/universities?country=Germany");
    clock.advance(Duration.ofSeconds(29));
    HttpResponse<String> young = gateway.get("/universities?country=Germany");

    clock.advance(Duration.ofSeconds(2 + 60));
    HttpResponse<String> expired = gateway.get("/universities?country=Germany");

    assertThat(young.headers().firstValue("X-Cache")).hasValue("HIT");
    assertThat(young.headers().firstValue("Age")).hasValue("29");
    assertThat(expired.headers().firstValue("X-Cache")).hasValue("REVALIDATED");
    assertThat(expired.headers().firstValue("Cache-Status"))
        .hasValue(
            "cachegate; fwd=stale; fwd-status=200; stored; ttl=30; key=\"" + GERMANY_KEY + "\"");
    assertThat(upstream.requests()).isEqualTo(2);
  }

  @Test
  void routeTtlComesFromUniversitiesCacheTimeout() {
    gateway.close();
    gateway =
        start(
            Map.of(
                "UNIVERSITIES_CACHE_TIMEOUT", "5",
                "CACHE_STALE_WHILE_REVALIDATE", "0",
                "CACHE_STALE_IF_ERROR", "0"));

    gateway.get("/universities?country=Japan");
    clock.advance(Duration.ofSeconds(6));
    HttpResponse<String> later = gateway.get("/universities?country=Japan");

    await()
        .untilAsserted(
            () ->
                assertThat(redis.pttl("cachegate:v2:{universities:country=japan}"))
                    .isBetween(1L, 5_000L));
    assertThat(later.headers().firstValue("X-Cache")).hasValue("REVALIDATED");
  }

  @Test
  void keyPrefixComesFromCacheKeyPrefix() {
    gateway.close();
    gateway = start(Map.of("CACHE_KEY_PREFIX", "myapp"));

    gateway.get("/universities?country=Japan");

    await()
        .untilAsserted(
            () ->
                assertThat(redis.keys(ENTRIES))
                    .containsExactly("myapp:v2:{universities:country=japan}"));
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "",
        "?limit=5",
        "?country=",
        "?country=%20%20",
        "?name=",
        "?country=Germany&limit=abc",
        "?country=Germany&limit=-1",
        "?country=Germany&offset=1.5",
        "?country=Germany&country=France",
        "?country=%C3%28",
        "?country=a%0D%0AX-Injected:%201"
      })
  void badInputIs400JsonAndNeverReachesTheUpstream(String query) {
    HttpResponse<String> response = gateway.get("/universities" + query);

    assertThat(response.statusCode()).isEqualTo(400);
    assertThat(response.headers().firstValue("Content-Type")).hasValue("application/json");
    JsonObject body = new JsonObject(response.body());
    assertThat(body.getInteger("status")).isEqualTo(400);
    assertThat(body.getString("error")).isNotBlank();
    assertThat(upstream.requests()).isZero();
  }

  @ParameterizedTest
  @ValueSource(strings = {"?country=%ZZ", "?country=%4", "?country=ger%", "?country=%C3%28"})
  void brokenPercentEncodingIs400AndNeverReachesTheUpstream(String query) {
    GatewayUnderTest.RawResponse response = gateway.rawGet("/universities" + query);

    assertThat(response.status()).isEqualTo(400);
    assertThat(new JsonObject(response.body()).getInteger("status")).isEqualTo(400);
    assertThat(upstream.requests()).isZero();
  }

  @Test
  void rawUtf8InTheRequestLineIsReadAsUtf8() {
    GatewayUnderTest.RawResponse response = gateway.rawGet("/universities?name=Universität");

    assertThat(response.status()).isEqualTo(200);
    assertThat(upstream.queries()).containsExactly("name=universit%C3%A4t");
  }

  @Test
  void valueOver200CharactersIs400NamingTheParameter() {
    HttpResponse<String> response = gateway.get("/universities?name=" + "a".repeat(201));

    assertThat(response.statusCode()).isEqualTo(400);
    assertThat(new JsonObject(response.body()).getString("error"))
        .isEqualTo("parameter 'name' must be at most 200 characters, was 201");
    assertThat(upstream.requests()).isZero();
  }

  @Test
  void longValueIsHashedInTheKeyButForwardedInFull() {
    String name = "b".repeat(200);

    gateway.get("/universities?name=" + name);

    await().until(() -> !redis.keys(ENTRIES).isEmpty());
    assertThat(redis.keys(ENTRIES))
        .singleElement()
        .asString()
        .matches("cachegate:v2:\\{universities:name=sha256:[0-9a-f]{64}\\}");
    assertThat(upstream.queries()).containsExactly("name=" + name);
  }

  @Test
  void upstreamErrorStatusIs502NamingItAndCachesNothing() {
    upstream.failWith(503);

    HttpResponse<String> response = gateway.get("/universities?country=Germany");

    assertThat(response.statusCode()).isEqualTo(502);
    JsonObject body = new JsonObject(response.body());
    assertThat(body.getInteger("status")).isEqualTo(502);
    assertThat(body.getString("error")).contains("answered with status 503");
    assertThat(redis.keys(ENTRIES)).isEmpty();
  }

  @Test
  void upstreamBodyThatIsNotJsonIs502AndCachesNothing() {
    upstream.garble("<html>maintenance</html>");

    HttpResponse<String> response = gateway.get("/universities?country=Germany");

    assertThat(response.statusCode()).isEqualTo(502);
    assertThat(new JsonObject(response.body()).getString("error")).contains("not JSON");
    assertThat(redis.keys(ENTRIES)).isEmpty();
  }

  @Test
  void slowUpstreamIs504AfterUpstreamTimeoutAndCachesNothing() {
    gateway.close();
    gateway = start(Map.of("UPSTREAM_TIMEOUT", "0.3"));
    upstream.slow(Duration.ofSeconds(3));

    long started = System.nanoTime();
    HttpResponse<String> response = gateway.get("/universities?country=Germany");
    Duration took = Duration.ofNanos(System.nanoTime() - started);

    assertThat(response.statusCode()).isEqualTo(504);
    assertThat(new JsonObject(response.body()).getString("error"))
        .contains("no answer within 300ms");
    assertThat(took).isLessThan(Duration.ofSeconds(3));
    assertThat(redis.keys(ENTRIES)).isEmpty();
  }

  @Test
  void unreachableUpstreamIs502() {
    gateway.close();
    gateway = start(Map.of("UNIVERSITIES_API_URL", "http://127.0.0.1:1"));

    HttpResponse<String> response = gateway.get("/universities?country=Germany");

    assertThat(response.statusCode()).isEqualTo(502);
    assertThat(new JsonObject(response.body()).getString("error")).contains("unreachable");
    assertThat(redis.keys(ENTRIES)).isEmpty();
  }

  @Test
  void afterAnUpstreamFailureTheNextCallFetchesAgain() {
    upstream.failWith(500);
    gateway.get("/universities?country=Germany");
    upstream.reset();

    HttpResponse<String> response = gateway.get("/universities?country=Germany");

    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.headers().firstValue("X-Cache")).hasValue("MISS");
  }

  @Test
  void valueInRedisThatIsNotOursIsAMissAndIsReplaced() {
    redis.set(GERMANY_KEY, "[\"poisoned\"]");

    HttpResponse<String> response = gateway.get("/universities?country=Germany");

    assertThat(response.headers().firstValue("X-Cache")).hasValue("MISS");
    assertThat(response.body()).doesNotContain("poisoned");
    assertThat(gateway.get("/universities?country=Germany").headers().firstValue("X-Cache"))
        .hasValue("HIT");
  }

  @Test
  void entryCopiedUnderAnotherKeyIsNeverServedForIt() {
    gateway.get("/universities?country=Germany");
    redis.copy(GERMANY_KEY, "cachegate:v2:{universities:country=france}");

    HttpResponse<String> france = gateway.get("/universities?country=France");

    assertThat(france.headers().firstValue("X-Cache")).hasValue("MISS");
    assertThat(france.body().getBytes(StandardCharsets.UTF_8))
        .isEqualTo(upstream.answer(Map.of("country", "france")));
  }

  @Test
  void healthShowsRedisBackendAndThatItAnswers() {
    JsonObject health = new JsonObject(gateway.get("/health").body());

    assertThat(health.getString("status")).isEqualTo("UP");
    assertThat(health.getString("cache")).isEqualTo("redis");
    assertThat(health.getJsonObject("redis").getBoolean("reachable")).isTrue();
  }

  @Test
  void unknownPathIsJson404AndOtherMethodsJson405() {
    HttpResponse<String> missing = gateway.get("/nope");
    HttpResponse<String> post =
        gateway.send(
            java.net.http.HttpRequest.newBuilder(gateway.uri("/universities?country=Germany"))
                .POST(java.net.http.HttpRequest.BodyPublishers.noBody()));

    assertThat(missing.statusCode()).isEqualTo(404);
    assertThat(new JsonObject(missing.body()).getInteger("status")).isEqualTo(404);
    assertThat(post.statusCode()).isEqualTo(405);
    assertThat(new JsonObject(post.body()).getInteger("status")).isEqualTo(405);
    assertThat(upstream.requests()).isZero();
  }
}
