package cachegate.engine;

import static org.assertj.core.api.Assertions.assertThat;

import cachegate.metrics.MicrometerCacheMetrics;
import cachegate.store.MemoryStore;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/**
 * Upstream 404 and 410 answers are cached for their own TTL, coalesced and served stale as 2xx
 * answers are; other 4xx are passed on and not cached (issue 14).
 */
class CachedStatusesTest {
  private static final Duration TTL = Duration.ofSeconds(30);
  private static final CachePolicy POLICY =
      new CachePolicy(
          TTL, Duration.ofSeconds(60), Duration.ofHours(1), 0, CachePolicy.DEFAULT_MAX_ENTRY_BYTES);
  private static final CacheKey UNKNOWN = new CacheKey("t", "postcodes", Map.of("code", "00000"));

  private final ManualClock clock = new ManualClock();
  private final CountingUpstream upstream = new CountingUpstream();
  private final MemoryStore memory = new MemoryStore(1 << 20, clock);
  private final SimpleMeterRegistry registry = new SimpleMeterRegistry();

  @Test
  void a404IsStoredForItsStatusTtlAndServedWithItsStatusUntilThen() {
    CacheEngine engine = engine(POLICY);
    upstream.answerStatus(404);

    CacheResult miss = cached(engine.get(UNKNOWN)).join();
    clock.advance(Duration.ofSeconds(59));
    CacheResult hit = cached(engine.get(UNKNOWN)).join();

    assertThat(miss.outcome()).isEqualTo(CacheOutcome.MISS);
    assertThat(miss.entry().status()).isEqualTo(404);
    assertThat(miss.stored()).isTrue();
    assertThat(miss.forwardStatus()).hasValue(404);
    assertThat(miss.ttl()).isEqualTo(Duration.ofSeconds(60));
    assertThat(hit.outcome()).isEqualTo(CacheOutcome.HIT);
    assertThat(hit.entry().status()).isEqualTo(404);
    assertThat(hit.ttl()).isEqualTo(Duration.ofSeconds(1));
    assertThat(upstream.calls()).isEqualTo(1);
    assertThat(errorAnswers(404, "miss")).isEqualTo(1);
    assertThat(errorAnswers(404, "hit")).isEqualTo(1);
  }

  @Test
  void a404PastItsTtlIsServedStaleAndRefreshedOnce() {
    CacheEngine engine = engine(POLICY);
    upstream.answerStatus(404);
    cached(engine.get(UNKNOWN)).join();

    clock.advance(Duration.ofSeconds(61));
    CacheResult stale = cached(engine.get(UNKNOWN)).join();

    assertThat(stale.outcome()).isEqualTo(CacheOutcome.STALE);
    assertThat(stale.entry().status()).isEqualTo(404);
    assertThat(upstream.calls()).isEqualTo(2);
  }

  @Test
  void fiftyConcurrentRequestsForAnUnknownIdCallTheUpstreamOnce() {
    CacheEngine engine = engine(POLICY);
    upstream.answerStatus(404);
    CompletableFuture<Void> held = upstream.holdAnswers();

    List<CompletableFuture<Answer>> answers = new ArrayList<>();
    for (int i = 0; i < 50; i++) {
      answers.add(engine.get(UNKNOWN));
    }
    held.complete(null);

    assertThat(answers)
        .allSatisfy(answer -> assertThat(cached(answer).join().entry().status()).isEqualTo(404));
    assertThat(upstream.calls()).isEqualTo(1);
  }

  @Test
  void aStatusTheRouteDoesNotCacheIsServedButNeverStored() {
    CacheEngine engine = engine(POLICY);
    upstream.answerStatus(400);

    CacheResult first = cached(engine.get(UNKNOWN)).join();
    CacheResult second = cached(engine.get(UNKNOWN)).join();

    assertThat(first.entry().status()).isEqualTo(400);
    assertThat(first.stored()).isFalse();
    assertThat(first.forwardStatus()).hasValue(400);
    assertThat(second.outcome()).isEqualTo(CacheOutcome.MISS);
    assertThat(memory.get(UNKNOWN).join()).isEmpty();
    assertThat(upstream.calls()).isEqualTo(2);
    assertThat(upstream.released()).isEqualTo(2);
    assertThat(errorAnswers(400, "miss")).isEqualTo(2);
  }

  @Test
  void aRouteThatCachesNoStatusPassesA404OnWithoutStoringIt() {
    CacheEngine engine = engine(POLICY.withStatusTtls(Map.of()));
    upstream.answerStatus(404);

    CacheResult answer = cached(engine.get(UNKNOWN)).join();

    assertThat(answer.entry().status()).isEqualTo(404);
    assertThat(answer.stored()).isFalse();
    assertThat(memory.get(UNKNOWN).join()).isEmpty();
  }

  @Test
  void aStatusTtlLongerThanTheRouteTtlIsKeptAndServedForItsWholeTtl() {
    CachePolicy longGone = POLICY.withStatusTtls(Map.of(410, Duration.ofHours(2)));
    CacheEngine engine = engine(longGone);
    upstream.answerStatus(410);
    cached(engine.get(UNKNOWN)).join();

    clock.advance(Duration.ofMinutes(90));
    CacheResult hit = cached(engine.get(UNKNOWN)).join();

    assertThat(hit.outcome()).isEqualTo(CacheOutcome.HIT);
    assertThat(hit.entry().status()).isEqualTo(410);
    assertThat(longGone.retention(410)).isEqualTo(Duration.ofHours(3));
    assertThat(upstream.calls()).isEqualTo(1);
  }

  @Test
  void a404EntryIsNotReplacedByAFailingUpstreamAndIsServedStaleIfError() {
    CacheEngine engine = engine(POLICY);
    upstream.answerStatus(404);
    cached(engine.get(UNKNOWN)).join();
    clock.advance(Duration.ofMinutes(10));
    upstream.failWith(UpstreamException.timeout("GET /00000", Duration.ofSeconds(10)));

    CacheResult served = cached(engine.get(UNKNOWN)).join();

    assertThat(served.outcome()).isEqualTo(CacheOutcome.STALE_IF_ERROR);
    assertThat(served.entry().status()).isEqualTo(404);
  }

  private CacheEngine engine(CachePolicy policy) {
    return new CacheEngine(
        memory,
        upstream,
        FetchLease.local(memory),
        policy,
        clock,
        FixedRandom.of(0),
        Duration.ofSeconds(10),
        Scheduler.ofJdk(),
        new MicrometerCacheMetrics(registry));
  }

  private double errorAnswers(int status, String outcome) {
    return Optional.ofNullable(
            registry
                .find("cachegate.error.answers")
                .tag("route", "postcodes")
                .tag("status", String.valueOf(status))
                .tag("outcome", outcome)
                .counter())
        .map(Counter::count)
        .orElse(0.0);
  }

  private static CompletableFuture<CacheResult> cached(CompletableFuture<Answer> answer) {
    return answer.thenApply(CacheResult.class::cast);
  }
}
