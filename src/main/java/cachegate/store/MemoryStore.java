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
 * The in-process store (flask-caching's {@code SimpleCache}, and the first tier in front of Redis),
 * on Caffeine: bounded by the bytes it holds (both encodings of each body), each entry expiring
 * after its own retention as told by the injected clock. Thread-safe; every method completes
 * immediately.
 */
public final class MemoryStore implements ResponseStore {
  /** Bytes counted per entry on top of its body and key: the objects around them. */
  static final int ENTRY_OVERHEAD_BYTES = 160;

  private record Held(CachedResponse entry, long retentionNanos, int weight) {}

  private final Cache<String, Held> cache;

  public MemoryStore(long maxBytes, InstantSource clock) {
    this.cache =
        Caffeine.newBuilder()
            .maximumWeight(maxBytes)
            .weigher((String key, Held held) -> held.weight())
            .expireAfter(new RetentionExpiry())
            .ticker(ticker(clock))
            .executor(Runnable::run)
            .build();
  }

  @Override
  public CompletableFuture<Optional<CachedResponse>> get(CacheKey key) {
    Held held = cache.getIfPresent(key.redisKey());
    return CompletableFuture.completedFuture(Optional.ofNullable(held).map(Held::entry));
  }

  @Override
  public CompletableFuture<Boolean> put(CacheKey key, CachedResponse entry, Duration retention) {
    long weight =
        (long) entry.body().identity().length
            + entry.body().gzip().length
            + key.redisKey().length()
            + ENTRY_OVERHEAD_BYTES;
    cache.put(
        key.redisKey(),
        new Held(entry, retention.toNanos(), (int) Math.min(Integer.MAX_VALUE, weight)));
    return CompletableFuture.completedFuture(true);
  }

  @Override
  public CompletableFuture<Void> remove(CacheKey key) {
    evict(key.redisKey());
    return CompletableFuture.completedFuture(null);
  }

  /** Drops the entry stored under {@code redisKey}, as told by another instance. */
  void evict(String redisKey) {
    cache.invalidate(redisKey);
  }

  private static Ticker ticker(InstantSource clock) {
    return () -> {
      Instant now = clock.instant();
      return now.getEpochSecond() * 1_000_000_000L + now.getNano();
    };
  }

  /** Each entry lives for the retention it was put with; reading does not extend it. */
  private static final class RetentionExpiry implements Expiry<String, Held> {
    @Override
    public long expireAfterCreate(String key, Held held, long currentTime) {
      return held.retentionNanos();
    }

    @Override
    public long expireAfterUpdate(String key, Held held, long currentTime, long currentDuration) {
      return held.retentionNanos();
    }

    @Override
    public long expireAfterRead(String key, Held held, long currentTime, long currentDuration) {
      return currentDuration;
    }
  }
}
