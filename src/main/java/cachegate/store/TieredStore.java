package cachegate.store;

import cachegate.engine.CacheKey;
import cachegate.engine.CachedResponse;
import cachegate.engine.OutageLog;
import cachegate.engine.ResponseStore;
import java.time.Duration;
import java.time.InstantSource;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;

/**
 * An in-process tier (L1) in front of a shared Redis tier (L2). A read tries L1, then L2, and
 * copies an L2 hit into L1. A write goes to L2, then L1; a removal too. Every write and removal is
 * announced on a Redis channel, and the other instances drop their L1 copy (within a second while
 * the subscription is up).
 *
 * <p>An L1 copy never outlives the entry's freshness, so even an announcement that is lost (while
 * the subscription reconnects) lets an instance serve a replaced entry for at most its TTL. Stale
 * entries are served from L2 only.
 *
 * <p>Failures of L2 are logged once per outage and treated as a miss or a skipped L2 write; L1
 * keeps working. Thread-safe.
 */
public final class TieredStore implements ResponseStore {
  private final MemoryStore local;
  private final RedisStore remote;
  private final InstantSource clock;
  private final OutageLog remoteLog;
  private final String channel;
  private final String instance = UUID.randomUUID().toString();

  /**
   * @param namespace the key prefix; the invalidation channel is {@code <namespace>:v1:evictions}
   */
  public TieredStore(
      MemoryStore local,
      RedisStore remote,
      InstantSource clock,
      OutageLog remoteLog,
      String namespace) {
    this.local = local;
    this.remote = remote;
    this.clock = clock;
    this.remoteLog = remoteLog;
    this.channel = namespace + ":" + CacheKey.FORMAT_VERSION + ":evictions";
    remote.subscribe(channel, this::onEviction);
  }

  @Override
  public CompletableFuture<Optional<CachedResponse>> get(CacheKey key) {
    return local
        .get(key)
        .thenCompose(
            found -> {
              if (found.isPresent()) {
                return CompletableFuture.completedFuture(found);
              }
              return remote
                  .get(key)
                  .handle(
                      (fromRemote, failure) -> {
                        if (failure != null) {
                          remoteLog.failed(
                              failure.getMessage(), "from the local tier and the upstream");
                          return Optional.<CachedResponse>empty();
                        }
                        remoteLog.succeeded();
                        fromRemote.ifPresent(entry -> copyToLocal(key, entry, entry.ttl()));
                        return fromRemote;
                      });
            });
  }

  @Override
  public CompletableFuture<Boolean> put(CacheKey key, CachedResponse entry, Duration retention) {
    return remote
        .put(key, entry, retention)
        .handle(
            (stored, failure) -> {
              if (failure != null) {
                remoteLog.failed(failure.getMessage(), "from the local tier and the upstream");
              } else {
                remoteLog.succeeded();
                announce(key);
              }
              copyToLocal(key, entry, retention);
              return true;
            });
  }

  @Override
  public CompletableFuture<Void> remove(CacheKey key) {
    return remote
        .remove(key)
        .whenComplete(
            (ignored, failure) -> {
              local.evict(key.redisKey());
              if (failure == null) {
                announce(key);
              }
            });
  }

  /** L1 keeps a copy only while it is fresh (and never past {@code retention}). */
  private void copyToLocal(CacheKey key, CachedResponse entry, Duration retention) {
    Duration fresh = entry.ttl().minus(entry.age(clock.instant()));
    Duration keep = fresh.compareTo(retention) < 0 ? fresh : retention;
    if (!keep.isNegative() && !keep.isZero()) {
      local.put(key, entry, keep);
    }
  }

  private void announce(CacheKey key) {
    remote.publish(channel, instance + " " + key.redisKey()).exceptionally(failure -> 0L);
  }

  private void onEviction(String message) {
    int space = message.indexOf(' ');
    if (space > 0 && !message.substring(0, space).equals(instance)) {
      local.evict(message.substring(space + 1));
    }
  }
}
