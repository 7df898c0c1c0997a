package cachegate.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import cachegate.metrics.MicrometerCacheMetrics;
import cachegate.store.MemoryStore;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.random.RandomGenerator;
import org.junit.jupiter.api.Test;

/**
 * Every refresh of a stored entry sends the upstream's validators back, and a {@code 304} renews
 * the entry without a body (issue 14).
 */
class ConditionalRefreshTest {
  private static final Duration TTL = Duration.ofSeconds(30);
  private static final CachePolicy POLICY =
      new CachePolicy(
          TTL, Duration.ofSeconds(60), Duration.ofHours(1), 0, CachePolicy.DEFAULT_MAX_ENTRY_BYTES);
  private static final Validators V1 = new Validators("\"v1\"", "Wed, 21 Oct 2015 07:28:00 GMT");
  private static final Validators V2 = new Validators("\"v2\"", "");
  private static final CacheKey REPO = new CacheKey("t", "github", Map.of("repo", "cachegate"));
  private static final Duration WAIT = Duration.ofSeconds(5);

  private final ManualClock clock = new ManualClock();
  private final CountingUpstream upstream = new CountingUpstream();
  private final MemoryStore memory = new MemoryStore(1 << 20, clock);
  private final SimpleMeterRegistry registry = new SimpleMeterRegistry();

  @Test
  void aStaleWhileRevalidateRefreshOfAnUnchangedAnswerSendsItsValidatorsAndA304RenewsIt() {
    CacheEngine engine = engine(POLICY, FixedRandom.of(0));
    upstream.sendValidators(V1);
    upstream.answerNotModified(true);
    CachedResponse first = cached(engine.get(REPO)).join().entry();
    clock.advance(Duration.ofSeconds(45));

    CacheResult stale = cached(engine.get(REPO)).join();
    await().atMost(WAIT).until(() -> stored().storedAt().equals(clock.instant()));
    CacheResult after = cached(engine.get(REPO)).join();

    assertThat(stale.outcome()).isEqualTo(CacheOutcome.STALE);
    assertThat(upstream.asked()).containsExactly(Validators.NONE, V1);
    assertThat(stored().body()).isEqualTo(first.body());
    assertThat(stored().ttl()).isEqualTo(TTL);
    assertThat(stored().validators()).isEqualTo(V1);
    assertThat(after.outcome()).isEqualTo(CacheOutcome.HIT);
    assertThat(after.age()).isZero();
    assertThat(after.entry().body().identity()).isEqualTo(CountingUpstream.body(REPO, 1));
    assertThat(notModified()).isEqualTo(1);
    assertThat(upstream.released()).isEqualTo(2);
  }

  @Test
  void aRefreshOfAChangedAnswerStoresTheNewBodyAndItsValidators() {
    CacheEngine engine = engine(POLICY, FixedRandom.of(0));
    upstream.sendValidators(V1);
    upstream.answerNotModified(true);
    cached(engine.get(REPO)).join();
    clock.advance(Duration.ofSeconds(45));
    upstream.sendValidators(V2);

    cached(engine.get(REPO)).join();
    await().atMost(WAIT).until(() -> stored().validators().equals(V2));

    assertThat(upstream.asked()).containsExactly(Validators.NONE, V1);
    assertThat(stored().body().identity()).isEqualTo(CountingUpstream.body(REPO, 2));
    assertThat(notModified()).isZero();
  }

  @Test
  void anEntryPastEveryWindowIsRevalidatedConditionallyAndAnswersWithFwdStatus304() {
    CachePolicy noWindows =
        new CachePolicy(TTL, Duration.ZERO, Duration.ZERO, 0, CachePolicy.DEFAULT_MAX_ENTRY_BYTES);
    CacheEngine engine = engine(noWindows, FixedRandom.of(0));
    upstream.sendValidators(V1);
    upstream.answerNotModified(true);
    cached(engine.get(REPO)).join();
    // Kept longer than its retention would, as in a store that has not evicted it yet.
    memory.put(REPO, stored(), Duration.ofHours(1)).join();
    clock.advance(Duration.ofSeconds(31));

    CacheResult revalidated = cached(engine.get(REPO)).join();

    assertThat(revalidated.outcome()).isEqualTo(CacheOutcome.REVALIDATED);
    assertThat(revalidated.forwardStatus()).hasValue(304);
    assertThat(revalidated.stored()).isTrue();
    assertThat(revalidated.age()).isZero();
    assertThat(revalidated.ttl()).isEqualTo(TTL);
    assertThat(revalidated.entry().status()).isEqualTo(200);
    assertThat(revalidated.entry().body().identity()).isEqualTo(CountingUpstream.body(REPO, 1));
    assertThat(upstream.asked()).containsExactly(Validators.NONE, V1);
  }

  @Test
  void withinStaleIfErrorTheFetchIsConditional() {
    CachePolicy noRevalidateWindow =
        new CachePolicy(
            TTL, Duration.ZERO, Duration.ofHours(1), 0, CachePolicy.DEFAULT_MAX_ENTRY_BYTES);
    CacheEngine engine = engine(noRevalidateWindow, FixedRandom.of(0));
    upstream.sendValidators(V1);
    upstream.answerNotModified(true);
    cached(engine.get(REPO)).join();
    clock.advance(Duration.ofMinutes(10));

    CacheResult revalidated = cached(engine.get(REPO)).join();

    assertThat(revalidated.outcome()).isEqualTo(CacheOutcome.REVALIDATED);
    assertThat(revalidated.forwardStatus()).hasValue(304);
    assertThat(upstream.asked()).containsExactly(Validators.NONE, V1);
  }

  @Test
  void aSoftPurgedEntryIsRefreshedConditionally() {
    CacheEngine engine = engine(POLICY, FixedRandom.of(0));
    upstream.sendValidators(V1);
    upstream.answerNotModified(true);
    cached(engine.get(REPO)).join();
    clock.advance(Duration.ofSeconds(5));
    memory.put(REPO, stored().staleAt(clock.instant()), POLICY.retention()).join();

    CacheResult stale = cached(engine.get(REPO)).join();
    await().atMost(WAIT).until(() -> stored().storedAt().equals(clock.instant()));

    assertThat(stale.outcome()).isEqualTo(CacheOutcome.STALE);
    assertThat(upstream.asked()).containsExactly(Validators.NONE, V1);
    assertThat(stored().ttl()).isEqualTo(TTL);
  }

  @Test
  void anEarlyRefreshIsConditional() {
    CacheEngine engine = engine(POLICY, FixedRandom.of(0.9));
    CachedResponse slow =
        new CachedResponse(
            200,
            "application/json",
            ResponseBody.of(CountingUpstream.body(REPO, 0)),
            clock.instant(),
            TTL,
            Duration.ofSeconds(10),
            V1,
            TraceLink.NONE);
    memory.put(REPO, slow, POLICY.retention()).join();
    upstream.sendValidators(V1);
    upstream.answerNotModified(true);
    clock.advance(Duration.ofSeconds(25));

    CacheResult hit = cached(engine.get(REPO)).join();
    await().atMost(WAIT).until(() -> stored().storedAt().equals(clock.instant()));

    assertThat(hit.outcome()).isEqualTo(CacheOutcome.HIT);
    assertThat(upstream.asked()).containsExactly(V1);
    assertThat(stored().body().identity()).isEqualTo(CountingUpstream.body(REPO, 0));
  }

  @Test
  void anEntryWithoutValidatorsIsRefreshedUnconditionally() {
    CacheEngine engine = engine(POLICY, FixedRandom.of(0));
    cached(engine.get(REPO)).join();
    clock.advance(Duration.ofSeconds(45));

    cached(engine.get(REPO)).join();
    await().atMost(WAIT).until(() -> upstream.calls() == 2);

    assertThat(upstream.asked()).containsExactly(Validators.NONE, Validators.NONE);
  }

  @Test
  void a304ToAnUnconditionalRequestIsAnUpstreamError() {
    CacheEngine engine = engine(POLICY, FixedRandom.of(0));
    upstream.answerStatus(304);

    Throwable failure = engine.get(REPO).handle((answer, error) -> error).join();

    assertThat(Failures.unwrap(failure))
        .isInstanceOfSatisfying(
            UpstreamException.class,
            refused -> {
              assertThat(refused.kind()).isEqualTo(UpstreamException.Kind.BAD_STATUS);
              assertThat(refused.upstreamStatus()).hasValue(304);
            });
    assertThat(memory.get(REPO).join()).isEmpty();
    assertThat(upstream.released()).isEqualTo(1);
  }

  @Test
  void aFailedConditionalRefreshKeepsTheStoredEntry() {
    CacheEngine engine = engine(POLICY, FixedRandom.of(0));
    upstream.sendValidators(V1);
    CachedResponse first = cached(engine.get(REPO)).join().entry();
    clock.advance(Duration.ofMinutes(5));
    upstream.failWith(UpstreamException.badStatus("GET /repos", 503));

    Throwable failure = engine.get(REPO).handle((answer, error) -> error).join();
    CacheResult served = cached(engine.get(REPO)).join();

    assertThat(failure).isNull();
    assertThat(served.outcome()).isEqualTo(CacheOutcome.STALE_IF_ERROR);
    assertThat(stored()).isEqualTo(first);
    assertThat(upstream.asked()).containsExactly(Validators.NONE, V1, V1);
  }

  private CacheEngine engine(CachePolicy policy, RandomGenerator random) {
    return new CacheEngine(
        memory,
        upstream,
        FetchLease.local(memory),
        policy,
        clock,
        random,
        Duration.ofSeconds(10),
        Scheduler.ofJdk(),
        new MicrometerCacheMetrics(registry));
  }

  private CachedResponse stored() {
    return memory.get(REPO).join().orElseThrow();
  }

  private double notModified() {
    return Optional.ofNullable(
            registry.find("cachegate.upstream.not.modified").tag("route", "github").counter())
        .map(Counter::count)
        .orElse(0.0);
  }

  private static CompletableFuture<CacheResult> cached(CompletableFuture<Answer> answer) {
    return answer.thenApply(CacheResult.class::cast);
  }
}
