package cachegate.store;

import cachegate.engine.CacheKey;
import cachegate.engine.CachedResponse;
import cachegate.engine.EntryCatalog;
import cachegate.engine.ResponseBody;
import cachegate.engine.ResponseStore;
import cachegate.engine.StoreException;
import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Expiry;
import com.github.benmanes.caffeine.cache.Ticker;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * The in-process store (flask-caching's {@code SimpleCache}, and the first tier in front of Redis),
 * on Caffeine: bounded by the bytes it holds, each entry expiring after its own retention as told
 * by the injected clock. It keeps each body in its gzip form only, about a tenth of the identity
 * form for JSON, so that a working set several times larger fits, and counts those bytes; identity
 * answers are written from off-heap copies of the bodies asked for in identity (the HTTP layer's,
 * bounded by the rest of the local tier's bytes, see {@link #heapShare}) or inflated per answer.
 * Thread-safe; every method completes immediately.
 */
public final class MemoryStore implements ResponseStore, EntryCatalog {
  /** Bytes counted per entry on top of its body and key: the objects around them. */
  static final int ENTRY_OVERHEAD_BYTES = 160;

  private record Held(CachedResponse entry, long retentionNanos, int weight) {}

  private final Cache<String, Held> cache;

  /**
   * Of {@code CACHE_LOCAL_MAX_BYTES}, the bytes for this store (stored bodies, gzip, on the heap):
   * a quarter. The other three quarters bound the off-heap identity copies. A quarter holds the
   * gzip forms of a working set of identity bodies about ten times the size of the copies.
   */
  public static long heapShare(long localMaxBytes) {
    return localMaxBytes / 4;
  }

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
  public String tier() {
    return "local";
  }

  @Override
  public CompletableFuture<Optional<CachedResponse>> get(CacheKey key) {
    Held held = cache.getIfPresent(key.redisKey());
    return CompletableFuture.completedFuture(Optional.ofNullable(held).map(Held::entry));
  }

  @Override
  public CompletableFuture<Boolean> put(CacheKey key, CachedResponse entry, Duration retention) {
    CachedResponse kept = gzipOnly(entry);
    long weight = (long) kept.body().gzip().length + key.redisKey().length() + ENTRY_OVERHEAD_BYTES;
    cache.put(
        key.redisKey(),
        new Held(kept, retention.toNanos(), (int) Math.min(Integer.MAX_VALUE, weight)));
    return CompletableFuture.completedFuture(true);
  }

  /**
   * The entry with its body's identity form let go (an upstream answer's): the tier holds and
   * counts the gzip form alone. Its gzip bytes are the ones {@link ResponseBody#gzip()} made.
   */
  private static CachedResponse gzipOnly(CachedResponse entry) {
    ResponseBody body = entry.body();
    if (!body.holdsIdentity()) {
      return entry;
    }
    return new CachedResponse(
        entry.status(),
        entry.contentType(),
        ResponseBody.fromCheckedGzip(body.gzip(), body.etag()),
        entry.storedAt(),
        entry.ttl(),
        entry.fetchTime(),
        entry.fetchedBy());
  }

  @Override
  public CompletableFuture<Page> list(String prefix, String cursor, int count) {
    int from;
    try {
      from = Integer.parseInt(cursor);
    } catch (NumberFormatException e) {
      return CompletableFuture.failedFuture(new StoreException("not a cursor: " + cursor));
    }
    List<String> keys = keys(prefix);
    int to = Math.min(keys.size(), from + count);
    List<EntryInfo> entries =
        keys.subList(Math.min(from, to), to).stream()
            .map(this::info)
            .flatMap(Optional::stream)
            .toList();
    return CompletableFuture.completedFuture(
        new Page(entries, to >= keys.size() ? "0" : String.valueOf(to)));
  }

  @Override
  public CompletableFuture<Optional<EntryInfo>> describe(String key) {
    return CompletableFuture.completedFuture(info(key));
  }

  @Override
  public CompletableFuture<Purge> removeAll(String prefix) {
    return CompletableFuture.completedFuture(Purge.of(evictAll(prefix)));
  }

  @Override
  public CompletableFuture<Purge> remove(String key) {
    return CompletableFuture.completedFuture(Purge.of(cache.asMap().remove(key) != null ? 1 : 0));
  }

  /** Replaces the entry with its freshness ended, keeping its retention. */
  @Override
  public CompletableFuture<Purge> markStale(String key, Instant now) {
    Held stale =
        cache
            .asMap()
            .computeIfPresent(
                key,
                (k, held) ->
                    new Held(held.entry().staleAt(now), held.retentionNanos(), held.weight()));
    return CompletableFuture.completedFuture(Purge.of(stale != null ? 1 : 0));
  }

  /** Drops every entry whose key starts with {@code prefix}; returns how many. */
  long evictAll(String prefix) {
    List<String> keys = keys(prefix);
    cache.invalidateAll(keys);
    return keys.size();
  }

  /** How many entries the store holds now (estimate, as Caffeine reports it). */
  public long entries() {
    return cache.estimatedSize();
  }

  /** How many bytes the store counts against its bound now. */
  public long bytes() {
    return cache.policy().eviction().map(eviction -> eviction.weightedSize().orElse(0)).orElse(0L);
  }

  private List<String> keys(String prefix) {
    return cache.asMap().keySet().stream().filter(k -> k.startsWith(prefix)).sorted().toList();
  }

  private Optional<EntryInfo> info(String key) {
    Held held = cache.getIfPresent(key);
    if (held == null) {
      return Optional.empty();
    }
    Optional<Duration> expiresIn =
        cache.policy().expireVariably().flatMap(expiry -> expiry.getExpiresAfter(key));
    CachedResponse entry = held.entry();
    return Optional.of(new EntryInfo(key, held.weight(), entry.storedAt(), entry.ttl(), expiresIn));
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
