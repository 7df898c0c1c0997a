package cachegate.engine;

import static org.assertj.core.api.Assertions.assertThat;

import cachegate.metrics.MicrometerCacheMetrics;
import cachegate.store.MemoryStore;
import cachegate.support.CapturedLogs;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Store failures cost a miss or a skipped write, are counted each and logged once per outage. */
class FailOpenStoreTest {
  private static final CacheKey GERMANY =
      new CacheKey("t", "universities", Map.of("country", "germany"));
  private static final Duration RETENTION = Duration.ofMinutes(5);
  private static final String STORE_ERRORS = "cachegate.store.errors";

  private final ManualClock clock = new ManualClock();
  private final SwitchableStore store = new SwitchableStore(new MemoryStore(1 << 20, clock));
  private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
  private final FailOpenStore failOpen =
      new FailOpenStore(
          store,
          new OutageLog("Redis test"),
          "from the upstream",
          new MicrometerCacheMetrics(registry));
  private final CapturedLogs logs = CapturedLogs.of(OutageLog.class);

  @AfterEach
  void stopCapturing() {
    logs.close();
  }

  @Test
  void failedReadsAreMissesEachCountedAndLoggedOnce() {
    store.failWith(new StoreException("connection refused"));

    Optional<CachedResponse> first = failOpen.get(GERMANY).join();
    Optional<CachedResponse> second = failOpen.get(GERMANY).join();

    assertThat(first).isEmpty();
    assertThat(second).isEmpty();
    assertThat(failures()).isEqualTo(2);
    assertThat(failOpen.isFailing()).isTrue();
    assertThat(logs.lines())
        .singleElement()
        .asString()
        .startsWith("WARN Redis test is failing: reading " + GERMANY + ": connection refused")
        .contains("serving from the upstream until it recovers");
  }

  @Test
  void failedWritesAreSkippedAndCounted() {
    store.failWith(new StoreException("timed out"));

    boolean stored = failOpen.put(GERMANY, entry(), RETENTION).join();

    assertThat(stored).isFalse();
    assertThat(failures()).isEqualTo(1);
    assertThat(logs.lines()).singleElement().asString().contains("writing " + GERMANY);
  }

  @Test
  void aStoreThatThrowsInsteadOfFailingItsFutureFailsOpenToo() {
    store.throwOnCall(new IllegalStateException("bug in the store"));

    assertThat(failOpen.get(GERMANY))
        .succeedsWithin(Duration.ofSeconds(1))
        .isEqualTo(Optional.empty());
    assertThat(failOpen.put(GERMANY, entry(), RETENTION))
        .succeedsWithin(Duration.ofSeconds(1))
        .isEqualTo(false);
    assertThat(failures()).isEqualTo(2);
  }

  @Test
  void aWriteRefusedByAFullStoreIsSkippedWithoutCountingOrLoggingAFailure() {
    store.failWith(new WriteRefusedException("full", new RuntimeException("OOM")));

    boolean stored = failOpen.put(GERMANY, entry(), RETENTION).join();

    assertThat(stored).isFalse();
    assertThat(registry.find(STORE_ERRORS).counter()).isNull();
    assertThat(failOpen.isFailing()).isFalse();
    assertThat(logs.lines()).isEmpty();
  }

  @Test
  void failedLookupsAreMissesThatLeaveTheLeaseUntriedCountedAndLoggedOnce() {
    store.failWith(new StoreException("connection refused"));

    FetchLease.Lookup first = failOpen.lookup(GERMANY, FetchLease.local(store), RETENTION).join();
    FetchLease.Lookup second = failOpen.lookup(GERMANY, FetchLease.local(store), RETENTION).join();

    assertThat(first).isEqualTo(FetchLease.Lookup.read(Optional.empty()));
    assertThat(second.claim()).isEqualTo(FetchLease.Claim.NOT_TRIED);
    assertThat(failures()).isEqualTo(2);
    assertThat(logs.lines()).singleElement().asString().contains("reading " + GERMANY);
  }

  @Test
  void aLookupWhoseLeaseAFullStoreRefusedIsAMissWithoutCountingAFailure() {
    store.failWith(new WriteRefusedException("full", new RuntimeException("OOM")));

    FetchLease.Lookup found = failOpen.lookup(GERMANY, FetchLease.local(store), RETENTION).join();

    assertThat(found).isEqualTo(FetchLease.Lookup.read(Optional.empty()));
    assertThat(registry.find(STORE_ERRORS).counter()).isNull();
    assertThat(logs.lines()).isEmpty();
  }

  @Test
  void aLookupOfAWorkingStoreFindsTheEntryOrTakesTheLocalLease() {
    FetchLease lease = FetchLease.local(store);

    FetchLease.Lookup missing = failOpen.lookup(GERMANY, lease, RETENTION).join();
    failOpen.put(GERMANY, entry(), RETENTION).join();
    FetchLease.Lookup found = failOpen.lookup(GERMANY, lease, RETENTION).join();

    assertThat(missing).isEqualTo(FetchLease.Lookup.nothingStored(FetchLease.Claim.TAKEN));
    assertThat(found).isEqualTo(FetchLease.Lookup.read(Optional.of(entry())));
  }

  @Test
  void theFirstSuccessAfterAnOutageLogsTheRecoveryAndServesAgain() {
    store.failWith(new StoreException("connection refused"));
    failOpen.get(GERMANY).join();
    store.heal();

    failOpen.put(GERMANY, entry(), RETENTION).join();
    Optional<CachedResponse> found = failOpen.get(GERMANY).join();

    assertThat(found).contains(entry());
    assertThat(failOpen.isFailing()).isFalse();
    assertThat(logs.lines()).hasSize(2).last().isEqualTo("INFO Redis test has recovered");
  }

  private double failures() {
    Counter counter = registry.find(STORE_ERRORS).tag("tier", "local").counter();
    return counter == null ? 0 : counter.count();
  }

  private CachedResponse entry() {
    return new CachedResponse(
        200,
        "application/json",
        "[1]".getBytes(StandardCharsets.UTF_8),
        clock.instant(),
        Duration.ofSeconds(30));
  }

  /** A store that fails, or throws, every call when told to, and works again when healed. */
  private static final class SwitchableStore implements ResponseStore {
    private final ResponseStore inner;
    private volatile RuntimeException failure;
    private volatile boolean throwing;

    SwitchableStore(ResponseStore inner) {
      this.inner = inner;
    }

    void failWith(RuntimeException failure) {
      this.failure = failure;
      this.throwing = false;
    }

    void throwOnCall(RuntimeException failure) {
      this.failure = failure;
      this.throwing = true;
    }

    void heal() {
      this.failure = null;
    }

    private <T> CompletableFuture<T> orFail(Supplier<CompletableFuture<T>> call) {
      RuntimeException failure = this.failure;
      if (failure == null) {
        return call.get();
      }
      if (throwing) {
        throw failure;
      }
      return CompletableFuture.failedFuture(failure);
    }

    @Override
    public CompletableFuture<Optional<CachedResponse>> get(CacheKey key) {
      return orFail(() -> inner.get(key));
    }

    @Override
    public CompletableFuture<Boolean> put(CacheKey key, CachedResponse entry, Duration retention) {
      return orFail(() -> inner.put(key, entry, retention));
    }

    @Override
    public String tier() {
      return inner.tier();
    }
  }
}
