package cachegate.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import cachegate.metrics.MicrometerCacheMetrics;
import cachegate.store.MemoryStore;
import cachegate.support.CapturedLogs;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Fetches shared across instances through the fetch lease: how long an instance waits for another
 * (on the injected clock), what a try for the lease reads, and lease calls that fail.
 */
class SharedFetchTest {
  private static final CachePolicy POLICY = CachePolicy.ofTtl(Duration.ofSeconds(30));
  private static final Duration FETCH_TIMEOUT = Duration.ofSeconds(10);
  private static final Duration LONGEST_WAIT = FETCH_TIMEOUT.plus(SharedFetch.LEASE_TTL);
  private static final CacheKey GERMANY =
      new CacheKey("t", "universities", Map.of("country", "germany"));

  private final ManualClock clock = new ManualClock();
  private final ManualScheduler scheduler = new ManualScheduler();
  private final CountingUpstream upstream = new CountingUpstream();
  private final MemoryStore memory = new MemoryStore(1 << 20, clock);
  private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
  private final CapturedLogs logs = CapturedLogs.of(OutageLog.class);

  @AfterEach
  void stopCapturing() {
    logs.close();
  }

  @Test
  void aWaiterFetchesItselfOnceTheUpstreamTimeoutAndTheLeaseTimeHavePassedOnTheClock() {
    PeerLease lease = new PeerLease(memory);
    lease.holdElsewhere();
    CacheEngine engine = engine(lease);
    CompletableFuture<Answer> answer = engine.get(GERMANY);
    clock.advance(LONGEST_WAIT.minusMillis(1));
    scheduler.runScheduled();
    scheduler.runScheduled();
    assertThat(answer).isNotDone();

    clock.advance(Duration.ofMillis(1));
    scheduler.runScheduled();

    assertThat(answer).isCompleted();
    CacheResult result = (CacheResult) answer.join();
    assertThat(result.outcome()).isEqualTo(CacheOutcome.MISS);
    assertThat(result.collapsed()).isFalse();
    assertThat(upstream.calls()).isEqualTo(1);
    assertThat(lease.attempts()).isEqualTo(4);
    assertThat(lease.renewals()).isZero();
  }

  @Test
  void theEntryATryForTheLeaseReadsIsServedAsTheHoldersAnswer() {
    CachedResponse fromPeer =
        new CachedResponse(
            200,
            "application/json",
            CountingUpstream.body(GERMANY, 0),
            clock.instant(),
            POLICY.ttl());
    PeerLease lease = new PeerLease(memory);
    lease.holdElsewhere();
    CacheEngine engine = engine(lease);
    CompletableFuture<Answer> answer = engine.get(GERMANY);
    assertThat(answer).isNotDone();

    memory.put(GERMANY, fromPeer, POLICY.retention()).join();
    scheduler.runScheduled();

    CacheResult result = (CacheResult) answer.join();
    assertThat(result.entry()).isEqualTo(fromPeer);
    assertThat(result.collapsed()).isTrue();
    assertThat(upstream.calls()).isZero();
    assertThat(lease.attempts()).isEqualTo(2);
  }

  @Test
  void failedRenewalsAndReleasesOfTheLeaseAreCountedAndLoggedOnce() {
    PeerLease lease = new PeerLease(memory);
    lease.failRenewalsAndReleases(new StoreException("Redis timed out"));
    CacheEngine engine = engine(lease);
    CompletableFuture<Void> answers = upstream.holdAnswers();
    CompletableFuture<Answer> germany = engine.get(GERMANY);
    scheduler.runScheduled();
    scheduler.runScheduled();

    answers.complete(null);
    germany.join();

    assertThat(lease.renewals()).isEqualTo(2);
    await().untilAsserted(() -> assertThat(leaseFailures()).isEqualTo(3));
    assertThat(logs.lines())
        .singleElement()
        .asString()
        .startsWith(
            "WARN fetch lease in the cache store is failing: renewing the fetch lease on "
                + GERMANY
                + ": Redis timed out");
  }

  @Test
  void aTryForTheLeaseThatFailsIsCountedAndTheEngineFetchesReleasingWhatTheTryMayHaveTaken() {
    AtomicInteger releases = new AtomicInteger();
    FetchLease timingOut =
        new FetchLease() {
          @Override
          public CompletableFuture<Attempt> tryAcquire(CacheKey key, Duration time) {
            return CompletableFuture.failedFuture(new StoreException("EVAL timed out"));
          }

          @Override
          public CompletableFuture<Void> release(CacheKey key) {
            releases.incrementAndGet();
            return CompletableFuture.completedFuture(null);
          }
        };
    CacheEngine engine = engine(timingOut);

    CacheResult result = (CacheResult) engine.get(GERMANY).join();

    assertThat(result.outcome()).isEqualTo(CacheOutcome.MISS);
    assertThat(result.stored()).isTrue();
    assertThat(upstream.calls()).isEqualTo(1);
    assertThat(releases).hasValue(1);
    assertThat(scheduler.pending()).isEqualTo(1);
    assertThat(leaseFailures()).isEqualTo(1);
    assertThat(logs.lines()).singleElement().asString().contains("taking the fetch lease");
  }

  @Test
  void aLeaseRefusedByAFullStoreIsNeitherCountedNorLoggedAsAFailure() {
    FetchLease refused =
        new FetchLease() {
          @Override
          public CompletableFuture<Attempt> tryAcquire(CacheKey key, Duration time) {
            return CompletableFuture.failedFuture(
                new WriteRefusedException("full", new RuntimeException("OOM")));
          }

          @Override
          public CompletableFuture<Void> release(CacheKey key) {
            return CompletableFuture.completedFuture(null);
          }
        };

    CacheResult result = (CacheResult) engine(refused).get(GERMANY).join();

    assertThat(result.outcome()).isEqualTo(CacheOutcome.MISS);
    assertThat(upstream.calls()).isEqualTo(1);
    assertThat(leaseFailures()).isZero();
    assertThat(logs.lines()).isEmpty();
  }

  private CacheEngine engine(FetchLease lease) {
    return new CacheEngine(
        memory,
        upstream,
        lease,
        POLICY,
        clock,
        FixedRandom.of(0),
        FETCH_TIMEOUT,
        scheduler,
        new MicrometerCacheMetrics(registry));
  }

  private double leaseFailures() {
    return Optional.ofNullable(
            registry.find("cachegate.store.errors").tag("tier", "lease").counter())
        .map(Counter::count)
        .orElse(0.0);
  }
}
