package cachegate.engine;

import static org.assertj.core.api.Assertions.assertThat;

import cachegate.store.MemoryStore;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import org.junit.jupiter.api.Test;

class CacheEngineTest {
  private static final CachePolicy POLICY = new CachePolicy(Duration.ofSeconds(30));
  private static final CacheKey GERMANY =
      new CacheKey("t", "universities", new TreeMap<>(Map.of("country", "germany")));

  private final ManualClock clock = new ManualClock();
  private final CountingUpstream upstream = new CountingUpstream();
  private final MemoryStore memory = new MemoryStore(1 << 20, clock);

  private CacheEngine engine(ResponseStore store) {
    return new CacheEngine(
        store, upstream, POLICY, clock, new OutageLog("store"), new OutageLog("upstream"));
  }

  @Test
  void missFetchesAndStoresThenHitsServeWithoutTheUpstream() {
    CacheEngine engine = engine(memory);

    CacheResult first = engine.get(GERMANY).join();
    clock.advance(Duration.ofSeconds(12));
    CacheResult second = engine.get(GERMANY).join();

    assertThat(first.outcome()).isEqualTo(CacheOutcome.MISS);
    assertThat(first.stored()).isTrue();
    assertThat(first.age()).isZero();
    assertThat(first.ttl()).isEqualTo(Duration.ofSeconds(30));
    assertThat(second.outcome()).isEqualTo(CacheOutcome.HIT);
    assertThat(second.age()).isEqualTo(Duration.ofSeconds(12));
    assertThat(second.ttl()).isEqualTo(Duration.ofSeconds(18));
    assertThat(second.entry().body()).isEqualTo(CountingUpstream.body(GERMANY));
    assertThat(upstream.calls()).isEqualTo(1);
  }

  @Test
  void entryAtItsTtlIsFetchedAgain() {
    CacheEngine engine = engine(memory);
    engine.get(GERMANY).join();

    clock.advance(Duration.ofSeconds(30));
    CacheResult later = engine.get(GERMANY).join();

    assertThat(later.outcome()).isEqualTo(CacheOutcome.MISS);
    assertThat(upstream.calls()).isEqualTo(2);
  }

  @Test
  void failingStoreIsAMissAnsweredByTheUpstreamAndNotStored() {
    CacheEngine engine = engine(new FailingStore());

    CacheResult first = engine.get(GERMANY).join();
    CacheResult second = engine.get(GERMANY).join();

    assertThat(first.outcome()).isEqualTo(CacheOutcome.MISS);
    assertThat(first.stored()).isFalse();
    assertThat(second.outcome()).isEqualTo(CacheOutcome.MISS);
    assertThat(upstream.calls()).isEqualTo(2);
  }

  @Test
  void upstreamFailureFailsTheRequestAndStoresNothing() {
    CacheEngine engine = engine(memory);
    upstream.failWith(UpstreamException.badStatus("GET /search", 503));

    CompletableFuture<CacheResult> answer = engine.get(GERMANY);

    assertThat(answer)
        .failsWithin(Duration.ofSeconds(1))
        .withThrowableOfType(ExecutionException.class)
        .withCauseInstanceOf(UpstreamException.class);
    assertThat(memory.get(GERMANY).join()).isEmpty();
  }

  @Test
  void upstreamIsAskedWithTheKeyItself() {
    CacheEngine engine = engine(memory);

    engine.get(GERMANY).join();

    assertThat(upstream.keys()).containsExactly(GERMANY);
  }

  /** A store whose every call fails, as Redis does while it is down. */
  private static final class FailingStore implements ResponseStore {
    @Override
    public CompletableFuture<Optional<CachedResponse>> get(CacheKey key) {
      return CompletableFuture.failedFuture(new StoreException("down"));
    }

    @Override
    public CompletableFuture<Boolean> put(CacheKey key, CachedResponse entry, Duration retention) {
      return CompletableFuture.failedFuture(new StoreException("down"));
    }

    @Override
    public CompletableFuture<Void> remove(CacheKey key) {
      return CompletableFuture.failedFuture(new StoreException("down"));
    }
  }
}
