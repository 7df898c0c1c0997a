package cachegate.faults;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import cachegate.engine.ManualClock;
import cachegate.support.FakeUniversitiesApi;
import cachegate.support.GatewayUnderTest;
import cachegate.support.Opened;
import cachegate.support.RedisServer;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.vertx.core.json.JsonObject;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/**
 * Redis is full ({@code maxmemory} with {@code noeviction}: every write is answered {@code OOM
 * command not allowed}) while cachegate serves. That is no outage: every request is answered, what
 * Redis holds is still served, new answers are not stored there, the refused writes are counted and
 * logged once, Redis stays reachable with its circuit closed, and writes resume once it has room.
 * With {@code allkeys-lru}, the policy the README recommends, Redis makes room instead.
 */
class RedisFullIT {
  private static final String GERMANY = "/universities?country=Germany";
  private static final String FULL = "is full and refuses writes";
  private static final String ROOM = "accepts writes again";

  /** {@code WriteRefusals.QUIET}: a write accepted this long after the last refusal ends it. */
  private static final Duration QUIET = Duration.ofMinutes(1);

  private final Opened opened = new Opened();
  private final ManualClock clock = new ManualClock();
  private final Logger cachegate = (Logger) LoggerFactory.getLogger("cachegate");
  private final ListAppender<ILoggingEvent> logs = new ListAppender<>();
  private FakeUniversitiesApi upstream;

  @BeforeEach
  void start() {
    upstream = opened.add(FakeUniversitiesApi.start());
    logs.start();
    cachegate.addAppender(logs);
  }

  @AfterEach
  void stop() throws Exception {
    cachegate.detachAppender(logs);
    opened.closeAll();
  }

  @Test
  void redisOnlyServesWhatAFullRedisHoldsAsHitsAndNewKeysFromTheUpstreamWithItsCircuitClosed() {
    RedisServer redis = opened.add(smallRedis("noeviction"));
    GatewayUnderTest gateway = gateway(redis, Map.of("CACHE_LOCAL_MAX_BYTES", "0"));
    assertThat(xCache(gateway.get(GERMANY))).isEqualTo("MISS");
    awaitStored(redis, "country=germany");
    redis.fillUntilFull();
    upstream.reset();

    List<HttpResponse<String>> fresh =
        IntStream.range(0, 10)
            .mapToObj(i -> gateway.getAsync("/universities?country=France&offset=" + i))
            .toList()
            .stream()
            .map(CompletableFuture::join)
            .toList();
    List<HttpResponse<String>> stored =
        IntStream.range(0, 10).mapToObj(i -> gateway.get(GERMANY)).toList();
    JsonObject health = new JsonObject(gateway.get("/health").body());

    assertThat(stored).allSatisfy(answer -> assertThat(answer.statusCode()).isEqualTo(200));
    assertThat(stored).allSatisfy(answer -> assertThat(xCache(answer)).isEqualTo("HIT"));
    assertThat(fresh).allSatisfy(answer -> assertThat(answer.statusCode()).isEqualTo(200));
    assertThat(fresh).allSatisfy(answer -> assertThat(xCache(answer)).isEqualTo("MISS"));
    assertThat(upstream.requests()).isEqualTo(10);
    assertThat(health.getString("status")).isEqualTo("UP");
    assertThat(health.getJsonObject("redis").getBoolean("reachable")).isTrue();
    assertThat(health.getJsonObject("redis").getString("circuit")).isEqualTo("CLOSED");
    await()
        .atMost(Duration.ofSeconds(10))
        .untilAsserted(
            () -> {
              assertThat(refused(gateway, "redis")).isEqualTo(10);
              assertThat(refused(gateway, "lease")).isEqualTo(10);
            });
    assertThat(redis.sync().keys("cachegate:v2:{universities:country=france*")).isEmpty();
    assertThat(storeErrors(gateway)).isZero();
    assertThat(lines(FULL)).hasSize(1);
    assertThat(lines("is failing")).isEmpty();

    redis.sync().configSet("maxmemory", "64mb");
    clock.advance(QUIET);
    gateway.get("/universities?country=Japan");
    gateway.get("/universities?country=Turkey");

    awaitStored(redis, "country=japan");
    awaitStored(redis, "country=turkey");
    await().atMost(Duration.ofSeconds(10)).until(() -> lines(ROOM).size() == 1);
    assertThat(lines(ROOM))
        .singleElement()
        .asString()
        .contains("20 refused while it was full"); // 10 entries, 10 leases
    assertThat(lines(FULL)).hasSize(1);
  }

  @Test
  void theLocalTierKeepsWhatAFullRedisRefusesAndReadsFromRedisInBetweenDoNotLogItAgain() {
    RedisServer redis = opened.add(smallRedis("noeviction"));
    GatewayUnderTest gateway = gateway(redis, Map.of());
    redis.fillUntilFull();

    List<String> first =
        IntStream.range(0, 10).mapToObj(i -> xCache(gateway.get(chile(i)))).toList();
    List<String> again =
        IntStream.range(0, 10).mapToObj(i -> xCache(gateway.get(chile(i)))).toList();
    JsonObject health = new JsonObject(gateway.get("/health").body());

    assertThat(first).containsOnly("MISS");
    assertThat(again).containsOnly("HIT");
    assertThat(upstream.requests()).isEqualTo(10);
    assertThat(health.getJsonObject("redis").getString("circuit")).isEqualTo("CLOSED");
    await()
        .atMost(Duration.ofSeconds(10))
        .untilAsserted(() -> assertThat(refused(gateway, "redis")).isEqualTo(10));
    assertThat(redis.sync().keys("cachegate:v2:{universities:country=chile*")).isEmpty();
    assertThat(storeErrors(gateway)).isZero();
    assertThat(lines(FULL)).hasSize(1);
    assertThat(lines("is failing")).isEmpty();
    assertThat(lines("recovered")).isEmpty();

    redis.sync().flushall();
    clock.advance(QUIET);
    gateway.get("/universities?country=Japan");

    awaitStored(redis, "country=japan");
    await().atMost(Duration.ofSeconds(10)).until(() -> lines(ROOM).size() == 1);
    assertThat(lines(FULL)).hasSize(1);
  }

  @Test
  void onAFullRedisConcurrentRequestsForAColdKeyStillShareOneUpstreamCall() {
    RedisServer redis = opened.add(smallRedis("noeviction"));
    GatewayUnderTest gateway = gateway(redis, Map.of("CACHE_LOCAL_MAX_BYTES", "0"));
    redis.fillUntilFull();
    upstream.slow(Duration.ofSeconds(2));

    List<HttpResponse<String>> answers = gateway.getConcurrently("/universities?country=Japan", 20);

    assertThat(answers).allSatisfy(answer -> assertThat(answer.statusCode()).isEqualTo(200));
    assertThat(upstream.requests()).isEqualTo(1);
    assertThat(
            new JsonObject(gateway.get("/health").body())
                .getJsonObject("redis")
                .getString("circuit"))
        .isEqualTo("CLOSED");
  }

  @Test
  void withAllkeysLruAFullRedisEvictsOlderKeysAndStoresNewEntries() {
    RedisServer redis = opened.add(smallRedis("allkeys-lru"));
    GatewayUnderTest gateway = gateway(redis, Map.of("CACHE_LOCAL_MAX_BYTES", "0"));
    String filler = "x".repeat(4096);
    for (int i = 0; i < 768; i++) {
      redis.sync().set("filler:" + i, filler);
    }

    for (int i = 0; i < 10; i++) {
      assertThat(gateway.get(chile(i)).statusCode()).isEqualTo(200);
      awaitStored(redis, "country=chile&offset=" + i);
    }

    assertThat(evictedKeys(redis)).isPositive();
    assertThat(xCache(gateway.get(chile(9)))).isEqualTo("HIT");
    assertThat(refused(gateway, "redis")).isZero();
    assertThat(lines(FULL)).isEmpty();
  }

  private static String chile(int offset) {
    return "/universities?country=Chile&offset=" + offset;
  }

  private static RedisServer smallRedis(String policy) {
    return RedisServer.start("--maxmemory", "2mb", "--maxmemory-policy", policy);
  }

  private GatewayUnderTest gateway(RedisServer redis, Map<String, String> extra) {
    Map<String, String> env = new HashMap<>(extra);
    env.put("CACHE_TYPE", "redis");
    env.put("CACHE_REDIS_URL", redis.url());
    // Generous: a timeout on this busy machine would count against the breaker (on a clock the
    // test alone moves) and this test is about error replies, which must not.
    env.put("CACHE_REDIS_TIMEOUT", "5s");
    env.put("UNIVERSITIES_API_URL", upstream.url());
    return opened.add(GatewayUnderTest.start(env, clock));
  }

  private static void awaitStored(RedisServer redis, String params) {
    await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> redis.sync().exists("cachegate:v2:{universities:" + params + "}") == 1);
  }

  private static String xCache(HttpResponse<String> answer) {
    return answer.headers().firstValue("X-Cache").orElse("");
  }

  private static long refused(GatewayUnderTest gateway, String tier) {
    return series(
        gateway, "cachegate_store_writes_refused_total\\{reason=\"full\",tier=\"" + tier + "\"}");
  }

  private static long storeErrors(GatewayUnderTest gateway) {
    return series(gateway, "cachegate_store_errors_total\\{[^}]*}");
  }

  /** The sum of the series matching {@code pattern} in {@code /metrics}; 0 when there is none. */
  private static long series(GatewayUnderTest gateway, String pattern) {
    Matcher matcher =
        Pattern.compile("(?m)^" + pattern + " ([0-9.E]+)$").matcher(gateway.get("/metrics").body());
    long sum = 0;
    while (matcher.find()) {
      sum += (long) Double.parseDouble(matcher.group(1));
    }
    return sum;
  }

  private static long evictedKeys(RedisServer redis) {
    Matcher matcher = Pattern.compile("evicted_keys:(\\d+)").matcher(redis.sync().info("stats"));
    assertThat(matcher.find()).isTrue();
    return Long.parseLong(matcher.group(1));
  }

  private List<String> lines(String containing) {
    synchronized (logs) { // the lock logback appends under
      return logs.list.stream()
          .map(ILoggingEvent::getFormattedMessage)
          .filter(line -> line.contains(containing))
          .toList();
    }
  }
}
