package cachegate.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import cachegate.store.MemoryStore;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.random.RandomGenerator;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;

class CacheEngineTest {
  private static final Duration TTL = Duration.ofSeconds(30);
  private static final Duration STALE_WHILE_REVALIDATE = Duration.ofSeconds(60);
  private static final Duration STALE_IF_ERROR = Duration.ofHours(1);
  private static final CachePolicy POLICY =
      policy(TTL, STALE_WHILE_REVALIDATE, STALE_IF_ERROR, 0, CachePolicy.DEFAULT_MAX_ENTRY_BYTES);
  private static final Duration FETCH_TIMEOUT = Duration.ofSeconds(10);
  private static final Duration WAIT = Duration.ofSeconds(5);
  private static final CacheKey GERMANY =
      new CacheKey("t", "universities", Map.of("country", "germany"));

  private final ManualClock clock = new ManualClock();
  private final CountingUpstream upstream = new CountingUpstream();
  private final MemoryStore memory = new MemoryStore(1 << 20, clock);
  private final ExecutorService threads = Executors.newFixedThreadPool(8);

  @AfterEach
  void stopThreads() {
    threads.shutdownNow();
  }

  @Test
  void missFetchesAndStoresThenHitsServeWithoutTheUpstream() {
    CacheEngine engine = engine();

    CacheResult first = cached(engine.get(GERMANY)).join();
    clock.advance(Duration.ofSeconds(12));
    CacheResult second = cached(engine.get(GERMANY)).join();

    assertThat(first.outcome()).isEqualTo(CacheOutcome.MISS);
    assertThat(first.stored()).isTrue();
    assertThat(first.collapsed()).isFalse();
    assertThat(first.forwardStatus()).hasValue(200);
    assertThat(first.age()).isZero();
    assertThat(first.ttl()).isEqualTo(TTL);
    assertThat(second.outcome()).isEqualTo(CacheOutcome.HIT);
    assertThat(second.stored()).isFalse();
    assertThat(second.forwardStatus()).isEmpty();
    assertThat(second.age()).isEqualTo(Duration.ofSeconds(12));
    assertThat(second.ttl()).isEqualTo(Duration.ofSeconds(18));
    assertThat(second.entry().body().identity()).isEqualTo(CountingUpstream.body(GERMANY, 1));
    assertThat(upstream.calls()).isEqualTo(1);
  }

  @Test
  void anEntryJustBeforeItsTtlIsStillAHit() {
    CacheEngine engine = engine();
    cached(engine.get(GERMANY)).join();

    clock.advance(TTL.minusMillis(1));
    CacheResult later = cached(engine.get(GERMANY)).join();

    assertThat(later.outcome()).isEqualTo(CacheOutcome.HIT);
    assertThat(later.ttl()).isEqualTo(Duration.ofMillis(1));
    assertThat(upstream.calls()).isEqualTo(1);
  }

  @Test
  void withoutStaleWindowsAnEntryAtItsTtlIsFetchedAgain() {
    CacheEngine engine =
        engine(
            memory,
            FetchLease.local(memory),
            policy(TTL, Duration.ZERO, Duration.ZERO, 0, CachePolicy.DEFAULT_MAX_ENTRY_BYTES),
            FixedRandom.of(0));
    cached(engine.get(GERMANY)).join();

    clock.advance(TTL);
    CacheResult later = cached(engine.get(GERMANY)).join();

    assertThat(later.outcome()).isEqualTo(CacheOutcome.MISS);
    assertThat(later.entry().body().identity()).isEqualTo(CountingUpstream.body(GERMANY, 2));
    assertThat(upstream.calls()).isEqualTo(2);
  }

  @Test
  void servesStaleWithinStaleWhileRevalidateAndRefreshesOnceForFiftyConcurrentRequests()
      throws Exception {
    CacheEngine engine = engine();
    cached(engine.get(GERMANY)).join();
    clock.advance(Duration.ofSeconds(45));
    CompletableFuture<Void> refreshAnswers = upstream.holdAnswers();

    List<CacheResult> stale = concurrently(50, () -> cached(engine.get(GERMANY)).join());

    assertThat(stale)
        .hasSize(50)
        .allSatisfy(
            result -> {
              assertThat(result.outcome()).isEqualTo(CacheOutcome.STALE);
              assertThat(result.entry().body().identity())
                  .isEqualTo(CountingUpstream.body(GERMANY, 1));
              assertThat(result.age()).isEqualTo(Duration.ofSeconds(45));
              assertThat(result.ttl()).isEqualTo(Duration.ofSeconds(-15));
              assertThat(result.forwardStatus()).isEmpty();
            });
    assertThat(upstream.calls()).isEqualTo(2);

    refreshAnswers.complete(null);
    await()
        .atMost(WAIT)
        .until(() -> Arrays.equals(storedBody(), CountingUpstream.body(GERMANY, 2)));
    CacheResult afterRefresh = cached(engine.get(GERMANY)).join();

    assertThat(afterRefresh.outcome()).isEqualTo(CacheOutcome.HIT);
    assertThat(afterRefresh.entry().body().identity()).isEqualTo(CountingUpstream.body(GERMANY, 2));
    assertThat(afterRefresh.age()).isZero();
    assertThat(upstream.calls()).isEqualTo(2);
  }

  @Test
  void aFailedBackgroundRefreshKeepsServingTheStaleEntryAndTriesAgainNextTime() {
    CacheEngine engine = engine();
    CachedResponse original = cached(engine.get(GERMANY)).join().entry();
    clock.advance(Duration.ofSeconds(45));
    upstream.failWith(UpstreamException.badStatus("GET /search", 503));

    CacheResult first = cached(engine.get(GERMANY)).join();
    CacheResult second = cached(engine.get(GERMANY)).join();

    assertThat(first.outcome()).isEqualTo(CacheOutcome.STALE);
    assertThat(second.outcome()).isEqualTo(CacheOutcome.STALE);
    assertThat(second.entry()).isEqualTo(original);
    assertThat(memory.get(GERMANY).join()).contains(original);
    assertThat(upstream.calls()).isEqualTo(3);
  }

  @Test
  void pastStaleWhileRevalidateButWithinStaleIfErrorAWorkingUpstreamRevalidates() {
    CacheEngine engine = engine();
    cached(engine.get(GERMANY)).join();
    clock.advance(TTL.plus(STALE_WHILE_REVALIDATE));

    CacheResult result = cached(engine.get(GERMANY)).join();

    assertThat(result.outcome()).isEqualTo(CacheOutcome.REVALIDATED);
    assertThat(result.entry().body().identity()).isEqualTo(CountingUpstream.body(GERMANY, 2));
    assertThat(result.stored()).isTrue();
    assertThat(result.collapsed()).isFalse();
    assertThat(result.forwardStatus()).hasValue(200);
    assertThat(result.age()).isZero();
    assertThat(result.ttl()).isEqualTo(TTL);
    assertThat(storedBody()).isEqualTo(CountingUpstream.body(GERMANY, 2));
    assertThat(upstream.calls()).isEqualTo(2);
  }

  static Stream<Arguments> upstreamFailures() {
    return Stream.of(
        Arguments.of(UpstreamException.badStatus("GET /search", 503), OptionalInt.of(503)),
        Arguments.of(UpstreamException.badStatus("GET /search", 500), OptionalInt.of(500)),
        Arguments.of(
            UpstreamException.unreachable("GET /search", new IOException("refused")),
            OptionalInt.empty()),
        Arguments.of(UpstreamException.timeout("GET /search", FETCH_TIMEOUT), OptionalInt.empty()));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("upstreamFailures")
  void withinStaleIfErrorAFailingUpstreamIsAnsweredWithTheStoredEntry(
      UpstreamException failure, OptionalInt forwardStatus) {
    CacheEngine engine = engine();
    CachedResponse original = cached(engine.get(GERMANY)).join().entry();
    clock.advance(Duration.ofSeconds(100));
    upstream.failWith(failure);

    CacheResult result = cached(engine.get(GERMANY)).join();

    assertThat(result.outcome()).isEqualTo(CacheOutcome.STALE_IF_ERROR);
    assertThat(result.entry()).isEqualTo(original);
    assertThat(result.forwardStatus()).isEqualTo(forwardStatus);
    assertThat(result.stored()).isFalse();
    assertThat(result.age()).isEqualTo(Duration.ofSeconds(100));
    assertThat(result.ttl()).isEqualTo(Duration.ofSeconds(-70));
    assertThat(memory.get(GERMANY).join()).contains(original);
    assertThat(upstream.calls()).isEqualTo(2);
  }

  @Test
  void beyondStaleIfErrorAFailingUpstreamFailsTheRequestAndLeavesTheEntryAlone() {
    CacheEngine engine = engine();
    CachedResponse old = entry(CountingUpstream.body(GERMANY, 0), Duration.ZERO);
    memory.put(GERMANY, old, Duration.ofDays(7)).join();
    clock.advance(TTL.plus(STALE_IF_ERROR));
    upstream.failWith(UpstreamException.badStatus("GET /search", 503));

    CompletableFuture<CacheResult> answer = cached(engine.get(GERMANY));

    assertThat(answer)
        .failsWithin(WAIT)
        .withThrowableOfType(ExecutionException.class)
        .withCauseInstanceOf(UpstreamException.class);
    assertThat(memory.get(GERMANY).join()).contains(old);
    assertThat(upstream.calls()).isEqualTo(1);
  }

  @Test
  void beyondStaleIfErrorAWorkingUpstreamRevalidates() {
    CacheEngine engine = engine();
    memory
        .put(GERMANY, entry(CountingUpstream.body(GERMANY, 0), Duration.ZERO), Duration.ofDays(7))
        .join();
    clock.advance(TTL.plus(STALE_IF_ERROR));

    CacheResult result = cached(engine.get(GERMANY)).join();

    assertThat(result.outcome()).isEqualTo(CacheOutcome.REVALIDATED);
    assertThat(result.entry().body().identity()).isEqualTo(CountingUpstream.body(GERMANY, 1));
    assertThat(result.stored()).isTrue();
  }

  @Test
  void anEntryPastItsRetentionIsGoneSoAFailingUpstreamFailsTheRequest() {
    CacheEngine engine = engine();
    cached(engine.get(GERMANY)).join();
    clock.advance(POLICY.retention());
    upstream.failWith(UpstreamException.badStatus("GET /search", 503));

    CompletableFuture<CacheResult> answer = cached(engine.get(GERMANY));

    assertThat(answer)
        .failsWithin(WAIT)
        .withThrowableOfType(ExecutionException.class)
        .withCauseInstanceOf(UpstreamException.class);
  }

  @Test
  void upstreamFailureOnAMissFailsTheRequestAndStoresNothing() {
    CacheEngine engine = engine();
    upstream.failWith(UpstreamException.badStatus("GET /search", 503));

    CompletableFuture<CacheResult> answer = cached(engine.get(GERMANY));

    assertThat(answer)
        .failsWithin(WAIT)
        .withThrowableOfType(ExecutionException.class)
        .withCauseInstanceOf(UpstreamException.class);
    assertThat(memory.get(GERMANY).join()).isEmpty();
  }

  @Test
  void concurrentMissesForOneKeyCallTheUpstreamOnceAndShareItsAnswer() throws Exception {
    CacheEngine engine = engine();
    CompletableFuture<Void> answers = upstream.holdAnswers();
    List<CompletableFuture<CacheResult>> pending =
        concurrently(200, () -> cached(engine.get(GERMANY)));
    assertThat(pending).noneMatch(CompletableFuture::isDone);

    answers.complete(null);
    List<CacheResult> results =
        pending.stream().map(f -> f.orTimeout(5, TimeUnit.SECONDS).join()).toList();

    assertThat(upstream.calls()).isEqualTo(1);
    assertThat(results)
        .allSatisfy(
            result -> {
              assertThat(result.outcome()).isEqualTo(CacheOutcome.MISS);
              assertThat(result.entry().body().identity())
                  .isEqualTo(CountingUpstream.body(GERMANY, 1));
            });
    assertThat(results).filteredOn(CacheResult::collapsed).hasSize(199);
    assertThat(results)
        .filteredOn(result -> !result.collapsed())
        .singleElement()
        .satisfies(leader -> assertThat(leader.stored()).isTrue());
    assertThat(results).filteredOn(CacheResult::stored).hasSize(1);
  }

  @Test
  void differentKeysAreFetchedIndependently() {
    CacheEngine engine = engine();
    CacheKey france = new CacheKey("t", "universities", Map.of("country", "france"));

    CacheResult germany = cached(engine.get(GERMANY)).join();
    CacheResult other = cached(engine.get(france)).join();

    assertThat(germany.collapsed()).isFalse();
    assertThat(other.collapsed()).isFalse();
    assertThat(upstream.keys()).containsExactly(GERMANY, france);
  }

  @ParameterizedTest(name = "limit = body length {0} -> stored {1}")
  @CsvSource({"-1, false", "0, true", "1, true"})
  void anAnswerLargerThanMaxEntryBytesIsServedButNotStored(int limitOffset, boolean stored) {
    int bodyLength = CountingUpstream.body(GERMANY, 1).length;
    CachePolicy policy =
        policy(TTL, STALE_WHILE_REVALIDATE, STALE_IF_ERROR, 0, bodyLength + limitOffset);
    CacheEngine engine = engine(memory, FetchLease.local(memory), policy, FixedRandom.of(0));

    CacheResult result = cached(engine.get(GERMANY)).join();

    assertThat(result.outcome()).isEqualTo(CacheOutcome.MISS);
    assertThat(result.entry().body().identity()).isEqualTo(CountingUpstream.body(GERMANY, 1));
    assertThat(result.stored()).isEqualTo(stored);
    assertThat(memory.get(GERMANY).join().isPresent()).isEqualTo(stored);
  }

  @Test
  void jitterTakesAtMostTheConfiguredFractionOffTheTtl() {
    CachePolicy policy =
        policy(
            TTL, STALE_WHILE_REVALIDATE, STALE_IF_ERROR, 0.5, CachePolicy.DEFAULT_MAX_ENTRY_BYTES);
    CacheEngine engine =
        engine(memory, FetchLease.local(memory), policy, FixedRandom.of(Math.nextDown(1.0)));

    CacheResult result = cached(engine.get(GERMANY)).join();

    Duration storedTtl = memory.get(GERMANY).join().orElseThrow().ttl();
    assertThat(storedTtl).isGreaterThan(TTL.dividedBy(2)).isLessThanOrEqualTo(TTL);
    assertThat(storedTtl).isLessThan(TTL);
    assertThat(result.ttl()).isEqualTo(storedTtl);
  }

  @Test
  void jitterNeverAddsToTheTtl() {
    CachePolicy policy =
        policy(
            TTL, STALE_WHILE_REVALIDATE, STALE_IF_ERROR, 0.5, CachePolicy.DEFAULT_MAX_ENTRY_BYTES);
    CacheEngine engine = engine(memory, FetchLease.local(memory), policy, FixedRandom.of(0));

    cached(engine.get(GERMANY)).join();

    assertThat(memory.get(GERMANY).join().orElseThrow().ttl()).isEqualTo(TTL);
  }

  @Test
  void aFreshEntryWhoseLastFetchWasSlowIsServedAndRefreshedEarlyNearItsExpiry() {
    CacheEngine engine = engine(memory, FetchLease.local(memory), POLICY, FixedRandom.of(0.9));
    CachedResponse slow = entry(CountingUpstream.body(GERMANY, 0), Duration.ofSeconds(10));
    memory.put(GERMANY, slow, POLICY.retention()).join();
    clock.advance(Duration.ofSeconds(25));

    CacheResult result = cached(engine.get(GERMANY)).join();

    assertThat(result.outcome()).isEqualTo(CacheOutcome.HIT);
    assertThat(result.entry()).isEqualTo(slow);
    await()
        .atMost(WAIT)
        .until(() -> Arrays.equals(storedBody(), CountingUpstream.body(GERMANY, 1)));
    assertThat(upstream.calls()).isEqualTo(1);
  }

  @Test
  void aFreshEntryIsNotRefreshedEarlyWhenTheRandomNumberIsOne() {
    CacheEngine engine = engine(memory, FetchLease.local(memory), POLICY, FixedRandom.of(0));
    CachedResponse slow = entry(CountingUpstream.body(GERMANY, 0), Duration.ofSeconds(10));
    memory.put(GERMANY, slow, POLICY.retention()).join();
    clock.advance(Duration.ofSeconds(29));

    CacheResult result = cached(engine.get(GERMANY)).join();

    assertThat(result.outcome()).isEqualTo(CacheOutcome.HIT);
    assertThat(upstream.calls()).isZero();
  }

  @Test
  void aMissIsAnsweredBeforeItsWriteAndARequestDuringTheWriteIsAHitWithoutAnotherFetch() {
    SlowWriteStore store = new SlowWriteStore(memory);
    CacheEngine engine = engine(store, FetchLease.local(store), POLICY, FixedRandom.of(0));

    CacheResult first = cached(engine.get(GERMANY)).join();
    CacheResult during = cached(engine.get(GERMANY)).join();
    store.finishWrites();
    CacheResult after = cached(engine.get(GERMANY)).join();

    assertThat(first.outcome()).isEqualTo(CacheOutcome.MISS);
    assertThat(first.stored()).isTrue();
    assertThat(during.outcome()).isEqualTo(CacheOutcome.HIT);
    assertThat(during.entry()).isEqualTo(first.entry());
    assertThat(after.outcome()).isEqualTo(CacheOutcome.HIT);
    assertThat(memory.get(GERMANY).join()).contains(first.entry());
    assertThat(upstream.calls()).isEqualTo(1);
  }

  @Test
  void failingStoreIsAMissAnsweredByTheUpstreamAndNotStored() {
    FailingStore failing = new FailingStore();
    CacheEngine engine = engine(failing, FetchLease.local(failing), POLICY, FixedRandom.of(0));

    CacheResult first = cached(engine.get(GERMANY)).join();
    CacheResult second = cached(engine.get(GERMANY)).join();

    assertThat(first.outcome()).isEqualTo(CacheOutcome.MISS);
    assertThat(first.stored()).isFalse();
    assertThat(second.outcome()).isEqualTo(CacheOutcome.MISS);
    assertThat(upstream.calls()).isEqualTo(2);
  }

  @Test
  void aFailingLeaseIsTakenAsHeldSoTheEngineFetchesItself() {
    CacheEngine engine = engine(memory, new BrokenLease(), POLICY, FixedRandom.of(0));

    CacheResult result = cached(engine.get(GERMANY)).join();

    assertThat(result.outcome()).isEqualTo(CacheOutcome.MISS);
    assertThat(result.stored()).isTrue();
    assertThat(upstream.calls()).isEqualTo(1);
  }

  @Test
  void whileAnotherInstanceHoldsTheLeaseTheEngineWaitsAndServesThatInstancesAnswer() {
    PeerLease lease = new PeerLease(memory);
    lease.holdElsewhere();
    CacheEngine engine = engine(memory, lease, POLICY, FixedRandom.of(0));
    CompletableFuture<CacheResult> answer = cached(engine.get(GERMANY));
    await().atMost(WAIT).until(() -> lease.attempts() >= 2);
    assertThat(answer).isNotDone();
    CachedResponse fromPeer = entry(CountingUpstream.body(GERMANY, 0), Duration.ZERO);

    memory.put(GERMANY, fromPeer, POLICY.retention()).join();

    await().atMost(WAIT).until(answer::isDone);
    CacheResult result = answer.join();
    assertThat(result.outcome()).isEqualTo(CacheOutcome.MISS);
    assertThat(result.entry()).isEqualTo(fromPeer);
    assertThat(result.collapsed()).isTrue();
    assertThat(result.stored()).isFalse();
    assertThat(upstream.calls()).isZero();
  }

  @Test
  void whenTheLeaseHolderDiesWithoutAnAnswerTheEngineFetchesItself() {
    PeerLease lease = new PeerLease(memory);
    lease.holdElsewhere();
    CacheEngine engine = engine(memory, lease, POLICY, FixedRandom.of(0));
    CompletableFuture<CacheResult> answer = cached(engine.get(GERMANY));
    await().atMost(WAIT).until(() -> lease.attempts() >= 2);
    assertThat(answer).isNotDone();

    lease.holderDies();

    await().atMost(WAIT).until(answer::isDone);
    CacheResult result = answer.join();
    assertThat(result.outcome()).isEqualTo(CacheOutcome.MISS);
    assertThat(result.entry().body().identity()).isEqualTo(CountingUpstream.body(GERMANY, 1));
    assertThat(result.collapsed()).isFalse();
    assertThat(result.stored()).isTrue();
    assertThat(upstream.calls()).isEqualTo(1);
    assertThat(lease.releases()).isEqualTo(1);
    assertThat(lease.heldHere()).isFalse();
  }

  @Test
  void upstreamIsAskedWithTheKeyItself() {
    CacheEngine engine = engine();

    cached(engine.get(GERMANY)).join();

    assertThat(upstream.keys()).containsExactly(GERMANY);
  }

  /** An answer that must be a stored or fetched entry, not one passed on. */
  private static CompletableFuture<CacheResult> cached(CompletableFuture<Answer> answer) {
    return answer.thenApply(CacheResult.class::cast);
  }

  private CacheEngine engine() {
    return engine(memory, FetchLease.local(memory), POLICY, FixedRandom.of(0));
  }

  private CacheEngine engine(
      ResponseStore store, FetchLease lease, CachePolicy policy, RandomGenerator random) {
    return new CacheEngine(store, upstream, lease, policy, clock, random, FETCH_TIMEOUT);
  }

  private static CachePolicy policy(
      Duration ttl, Duration swr, Duration sie, double jitter, long maxEntryBytes) {
    return new CachePolicy(ttl, swr, sie, jitter, maxEntryBytes);
  }

  /** An entry as another instance or an earlier run would have stored it, received now. */
  private CachedResponse entry(byte[] body, Duration fetchTime) {
    return new CachedResponse(
        200, "application/json", ResponseBody.of(body), clock.instant(), TTL, fetchTime);
  }

  private byte[] storedBody() {
    return memory.get(GERMANY).join().map(entry -> entry.body().identity()).orElse(new byte[0]);
  }

  /** Runs {@code task} {@code times} times on several threads at once; returns every result. */
  private <T> List<T> concurrently(int times, Callable<T> task) throws Exception {
    List<Callable<T>> tasks = IntStream.range(0, times).mapToObj(i -> task).toList();
    List<T> results = new ArrayList<>();
    for (Future<T> done : threads.invokeAll(tasks)) {
      results.add(done.get());
    }
    return results;
  }

  /** A store whose every call fails, as Redis does while it is down. */
  /** Writes to {@code inner} only when told to, so a test can act while a write is pending. */
  private static final class SlowWriteStore implements ResponseStore {
    private final ResponseStore inner;
    private final List<Runnable> pending = new ArrayList<>();

    SlowWriteStore(ResponseStore inner) {
      this.inner = inner;
    }

    @Override
    public CompletableFuture<Optional<CachedResponse>> get(CacheKey key) {
      return inner.get(key);
    }

    @Override
    public CompletableFuture<Boolean> put(CacheKey key, CachedResponse entry, Duration retention) {
      CompletableFuture<Boolean> done = new CompletableFuture<>();
      pending.add(() -> inner.put(key, entry, retention).thenAccept(done::complete));
      return done;
    }

    void finishWrites() {
      pending.forEach(Runnable::run);
      pending.clear();
    }
  }

  private static final class FailingStore implements ResponseStore {
    @Override
    public CompletableFuture<Optional<CachedResponse>> get(CacheKey key) {
      return CompletableFuture.failedFuture(new StoreException("down"));
    }

    @Override
    public CompletableFuture<Boolean> put(CacheKey key, CachedResponse entry, Duration retention) {
      return CompletableFuture.failedFuture(new StoreException("down"));
    }
  }

  /** A lease whose every call fails, as a Redis lease does while Redis is down. */
  private static final class BrokenLease implements FetchLease {
    @Override
    public CompletableFuture<Attempt> tryAcquire(CacheKey key, Duration time) {
      return CompletableFuture.failedFuture(new StoreException("down"));
    }

    @Override
    public CompletableFuture<Void> release(CacheKey key) {
      return CompletableFuture.failedFuture(new StoreException("down"));
    }
  }
}
