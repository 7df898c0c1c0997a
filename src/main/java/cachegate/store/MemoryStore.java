package cachegate.store;

import cachegate.engine.CacheKey;
import cachegate.engine.CachedResponse;
import cachegate.engine.ResponseStore;
import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Expiry;
import com.github.benmanes.caffeine.cache.Ticker;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * The in-process store (flask-caching's {@code SimpleCache}), on Caffeine: bounded by the bytes it
 * holds, each entry expiring after its own retention as told by the injected clock. Thread-safe;
 * every method completes immediately.
 */
public final class MemoryStore implements ResponseStore {
  /** Bytes counted per entry on top of its body and key: the objects around them. */
  static final int ENTRY_OVERHEAD_BYTES = 160;

  private record Held(CachedResponse entry, long retentionNanos, int weight) {}

  private final Cache<CacheKey, Held> cache;

  public MemoryStore(long maxBytes, InstantSource clock) {
    this.cache =
        Caffeine.newBuilder()
            .maximumWeight(maxBytes)
            .weigher((CacheKey key, Held held) -> held.weight())
            .expireAfter(new RetentionExpiry())
            .ticker(ticker(clock))
            .executor(Runnable::run)
            .build();
  }

  @Override
  public CompletableFuture<Optional<CachedResponse>> get(CacheKey key) {
    Held held = cache.getIfPresent(key);
    return CompletableFuture.completedFuture(Optional.ofNullable(held).map(Held::entry));
  }

  @Override
  public CompletableFuture<Boolean> put(CacheKey key, CachedResponse entry, Duration retention) {
    long weight = (long) entry.body().length + key.redisKey().length() + ENTRY_OVERHEAD_BYTES;
    cache.put(key, new Held(entry, retention.toNanos(), (int) Math.min(Integer.MAX_VALUE, weight)));
    return CompletableFuture.completedFuture(true);
  }

  @Override
  public CompletableFuture<Void> remove(CacheKey key) {
    cache.invalidate(key);
    return CompletableFuture.completedFuture(null);
  }

  private static Ticker ticker(InstantSource clock) {
    return () -> {
      Instant now = clock.instant();
      return now.getEpochSecond() * 1_000_000_000L + now.getNano();
    };
  }

  /** Each entry lives for the retention it was put with; reading does not extend it. */
  private static final class RetentionExpiry implements Expiry<CacheKey, Held> {
    @Override
    public long expireAfterCreate(CacheKey key, Held held, long currentTime) {
      return held.retentionNanos();
    }

    @Override
    public long expireAfterUpdate(CacheKey key, Held held, long currentTime, long currentDuration) {
      return held.retentionNanos();
    }

    @Override
    public long expireAfterRead(CacheKey key, Held held, long currentTime, long currentDuration) {
      return currentDuration;
    }
  }
}
