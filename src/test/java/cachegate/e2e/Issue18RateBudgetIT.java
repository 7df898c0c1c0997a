package cachegate.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import cachegate.support.GatewayUnderTest;
import cachegate.support.RateLimitedApi;
import cachegate.support.RedisServer;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Issue 18: three instances sharing one Redis never spend more of the upstream's rate limit than it
 * allows, in any calendar second, and every request is answered (200, stale, or 503 with
 * Retry-After).
 */
class Issue18RateBudgetIT {
  private static final Duration LOAD = Duration.ofSeconds(15);
  private static final int KEYS = 500;
  private static final int CLIENTS = 6;

  /**
   * The one extra call the issue allows at a second boundary: the window is exact on Redis's clock,
   * and the upstream counts calls when they arrive, a varying few milliseconds later.
   */
  private static final int BOUNDARY = 1;

  /** Long enough that a loaded machine answers the next requests within it. */
  private static final int PAUSE = 8;

  private static RedisServer redis;
  private final List<GatewayUnderTest> gateways = new ArrayList<>();
  private RateLimitedApi upstream;

  @BeforeAll
  static void startRedis() {
    redis = RedisServer.start();
  }

  @AfterAll
  static void stopRedis() {
    redis.close();
  }

  @BeforeEach
  void emptyRedis() {
    redis.sync().flushall();
  }

  @AfterEach
  void stop() {
    gateways.forEach(GatewayUnderTest::close);
    upstream.close();
  }

  @Test
  void threeInstancesUnderLoadNeverCallMoreThanTheBudgetInAnySecond() throws Exception {
    upstream = RateLimitedApi.start(10).tolerating(BOUNDARY);
    startThree("10/s");

    Tally tally = load();

    assertThat(tally.unexpected).isEmpty();
    assertThat(upstream.tooMany()).isZero();
    assertThat(Collections.max(upstream.perSecond().values())).isLessThanOrEqualTo(10 + BOUNDARY);
    assertThat(upstream.received()).isGreaterThan(50);
    assertThat(tally.refused.get()).isPositive();
    assertThat(budgetRefusals(gateways.get(0))).isPositive();
  }

  @Test
  void anUpstreamAnnouncingALowerLimitIsNeverCalledMoreOften() throws Exception {
    upstream = RateLimitedApi.start(5).announcing().tolerating(BOUNDARY);
    startThree("10/s");
    // The first answer states the upstream's policy; every instance enforces it from then on.
    assertThat(gateways.get(0).get("/universities?country=first").statusCode()).isEqualTo(200);

    Tally tally = load();

    assertThat(tally.unexpected).isEmpty();
    assertThat(upstream.tooMany()).isZero();
    assertThat(Collections.max(upstream.perSecond().values())).isLessThanOrEqualTo(5 + BOUNDARY);
    assertThat(upstream.received()).isGreaterThan(25);
  }

  @Test
  void aRetryAfterReceivedByOneInstanceIsHonouredByTheOtherTwo() {
    upstream = RateLimitedApi.start(10);
    startThree("10/s");
    // Warm each instance up first: on a loaded machine its first request may be slow.
    for (int i = 0; i < 3; i++) {
      gateways.get(i).get("/universities?country=warm" + i);
    }
    int before = upstream.received();
    upstream.pauseNext(PAUSE);

    gateways.get(0).get("/universities?country=one");
    HttpResponse<String> second = gateways.get(1).get("/universities?country=two");
    HttpResponse<String> third = gateways.get(2).get("/universities?country=three");

    assertThat(upstream.received()).isEqualTo(before + 1);
    for (HttpResponse<String> refused : List.of(second, third)) {
      assertThat(refused.statusCode()).isEqualTo(503);
      assertThat(refused.headers().firstValue("Retry-After"))
          .hasValueSatisfying(seconds -> assertThat(Integer.parseInt(seconds)).isBetween(1, PAUSE));
    }
    await()
        .atMost(Duration.ofSeconds(PAUSE + 10))
        .pollInterval(Duration.ofMillis(500))
        .until(() -> gateways.get(1).get("/universities?country=two").statusCode() == 200);
  }

  private void startThree(String limit) {
    for (int i = 0; i < 3; i++) {
      gateways.add(
          GatewayUnderTest.start(
              Map.of(
                  "CACHE_TYPE",
                  "redis",
                  "CACHE_REDIS_URL",
                  redis.url(),
                  "CACHE_REDIS_TIMEOUT",
                  "2s",
                  "UNIVERSITIES_API_URL",
                  upstream.url(),
                  "UPSTREAM_TIMEOUT",
                  "5",
                  "UPSTREAM_RATE_LIMIT",
                  limit),
              Clock.systemUTC()));
    }
  }

  /** Requests from {@link #CLIENTS} clients over random keys and instances, for {@link #LOAD}. */
  private Tally load() throws InterruptedException {
    Tally tally = new Tally();
    long end = System.nanoTime() + LOAD.toNanos();
    List<Thread> clients = new ArrayList<>();
    for (int c = 0; c < CLIENTS; c++) {
      Thread client =
          new Thread(
              () -> {
                while (System.nanoTime() < end) {
                  ThreadLocalRandom random = ThreadLocalRandom.current();
                  GatewayUnderTest gateway = gateways.get(random.nextInt(gateways.size()));
                  tally.record(gateway.get("/universities?country=c" + random.nextInt(KEYS)));
                }
              });
      client.start();
      clients.add(client);
    }
    for (Thread client : clients) {
      client.join();
    }
    return tally;
  }

  private static long budgetRefusals(GatewayUnderTest gateway) {
    return gateway
        .get("/metrics")
        .body()
        .lines()
        .filter(line -> line.startsWith("cachegate_upstream_budget_refused_total"))
        .mapToLong(line -> (long) Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1)))
        .sum();
  }

  /** Every answer is 200, or 503 with Retry-After; anything else is kept to be reported. */
  private static final class Tally {
    final Map<String, Integer> unexpected = new ConcurrentHashMap<>();
    final AtomicInteger refused = new AtomicInteger();

    void record(HttpResponse<String> answer) {
      if (answer.statusCode() == 200) {
        return;
      }
      if (answer.statusCode() == 503 && answer.headers().firstValue("Retry-After").isPresent()) {
        refused.incrementAndGet();
        return;
      }
      unexpected.merge(answer.statusCode() + " " + answer.body(), 1, Integer::sum);
    }
  }
}
