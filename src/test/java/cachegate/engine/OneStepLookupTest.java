package cachegate.engine;

import static org.assertj.core.api.Assertions.assertThat;

import cachegate.store.MemoryStore;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/**
 * A store whose fetch lease lives beside its entries is looked up in one step: a key that is not
 * stored has its lease tried with the read, so a miss makes one call before the upstream call.
 * Every case of the lookup: nothing stored (lease taken, or a peer's), an entry, an expired entry,
 * a lookup that fails.
 */
class OneStepLookupTest {
  private static final CachePolicy POLICY = CachePolicy.ofTtl(Duration.ofSeconds(30));
  private static final CacheKey GERMANY =
      new CacheKey("t", "universities", Map.of("country", "germany"));

  private final ManualClock clock = new ManualClock();
  private final ManualScheduler scheduler = new ManualScheduler();
  private final CountingUpstream upstream = new CountingUpstream();
  private final MemoryStore memory = new MemoryStore(1 << 20, clock);
  private final PeerLease lease = PeerLease.besideEntriesOf(memory);

  @Test
  void aKeyNotStoredTakesItsLeaseWithTheLookupAndFetchesWithoutAnotherTry() {
    CacheEngine engine = engine(memory);

    CacheResult result = (CacheResult) engine.get(GERMANY).join();

    assertThat(result.outcome()).isEqualTo(CacheOutcome.MISS);
    assertThat(lease.lookups()).isEqualTo(1);
    assertThat(lease.attempts()).isZero();
    assertThat(upstream.calls()).isEqualTo(1);
    assertThat(lease.releases()).isEqualTo(1);
    assertThat(memory.get(GERMANY).join()).isPresent();
  }

  @Test
  void theHolderRenewsALeaseItsLookupTook() {
    CacheEngine engine = engine(memory);
    CompletableFuture<Void> answers = upstream.holdAnswers();
    CompletableFuture<Answer> germany = engine.get(GERMANY);

    scheduler.runScheduled();
    answers.complete(null);
    germany.join();

    assertThat(lease.renewals()).isEqualTo(1);
    assertThat(lease.releases()).isEqualTo(1);
  }

  @Test
  void aLookupThatFindsAPeerHoldingTheLeaseWaitsAndServesThePeersAnswer() {
    lease.holdElsewhere();
    CacheEngine engine = engine(memory);
    CompletableFuture<Answer> answer = engine.get(GERMANY);
    assertThat(answer).isNotDone();

    CachedResponse fromPeer =
        new CachedResponse(
            200,
            "application/json",
            CountingUpstream.body(GERMANY, 0),
            clock.instant(),
            POLICY.ttl());
    memory.put(GERMANY, fromPeer, POLICY.retention()).join();
    scheduler.runScheduled();

    CacheResult result = (CacheResult) answer.join();
    assertThat(result.entry()).isEqualTo(fromPeer);
    assertThat(result.collapsed()).isTrue();
    assertThat(upstream.calls()).isZero();
    assertThat(lease.lookups()).isEqualTo(1);
    assertThat(lease.attempts()).isEqualTo(1);
  }

  @Test
  void aLookupThatFindsAPeerHoldingTheLeaseFetchesItselfWhenTheHolderDies() {
    lease.holdElsewhere();
    CacheEngine engine = engine(memory);
    CompletableFuture<Answer> answer = engine.get(GERMANY);

    lease.holderDies();
    scheduler.runScheduled();

    assertThat(((CacheResult) answer.join()).outcome()).isEqualTo(CacheOutcome.MISS);
    assertThat(upstream.calls()).isEqualTo(1);
    assertThat(lease.releases()).isEqualTo(1);
  }

  @Test
  void aStoredEntryIsServedWithoutTouchingTheLease() {
    CacheEngine engine = engine(memory);
    engine.get(GERMANY).join();
    int releases = lease.releases();

    CacheResult result = (CacheResult) engine.get(GERMANY).join();

    assertThat(result.outcome()).isEqualTo(CacheOutcome.HIT);
    assertThat(lease.lookups()).isEqualTo(2);
    assertThat(lease.attempts()).isZero();
    assertThat(lease.releases()).isEqualTo(releases);
    assertThat(upstream.calls()).isEqualTo(1);
  }

  @Test
  void anEntryPastStaleWhileRevalidateTriesTheLeaseBeforeFetchingItAnew() {
    CacheEngine engine = engine(memory);
    engine.get(GERMANY).join();
    clock.advance(POLICY.ttl().plus(POLICY.staleWhileRevalidate()).plusSeconds(1));

    CacheResult result = (CacheResult) engine.get(GERMANY).join();

    assertThat(result.outcome()).isEqualTo(CacheOutcome.REVALIDATED);
    assertThat(lease.attempts()).isEqualTo(1);
    assertThat(upstream.calls()).isEqualTo(2);
  }

  @Test
  void aLookupThatFailsIsAMissAndTheLeaseIsTriedOnItsOwn() {
    FailingStore failing = new FailingStore(memory);
    PeerLease besideFailing = PeerLease.besideEntriesOf(failing);
    CacheEngine engine = engine(failing, besideFailing);

    CacheResult result = (CacheResult) engine.get(GERMANY).join();

    assertThat(result.outcome()).isEqualTo(CacheOutcome.MISS);
    assertThat(besideFailing.attempts()).isEqualTo(1);
    assertThat(upstream.calls()).isEqualTo(1);
  }

  private CacheEngine engine(ResponseStore store) {
    return engine(store, lease);
  }

  private CacheEngine engine(ResponseStore store, FetchLease lease) {
    return new CacheEngine(
        store,
        upstream,
        lease,
        POLICY,
        clock,
        FixedRandom.of(0),
        Duration.ofSeconds(10),
        scheduler,
        CacheMetrics.none());
  }

  /** A store whose lookups fail, as a Redis that times out the lookup but answers the rest. */
  private static final class FailingStore implements ResponseStore {
    private final ResponseStore store;

    FailingStore(ResponseStore store) {
      this.store = store;
    }

    @Override
    public CompletableFuture<java.util.Optional<CachedResponse>> get(CacheKey key) {
      return store.get(key);
    }

    @Override
    public CompletableFuture<FetchLease.Lookup> lookup(
        CacheKey key, FetchLease lease, Duration leaseTime) {
      return CompletableFuture.failedFuture(new StoreException("lookup timed out"));
    }

    @Override
    public CompletableFuture<Boolean> put(CacheKey key, CachedResponse entry, Duration retention) {
      return store.put(key, entry, retention);
    }
  }
}
