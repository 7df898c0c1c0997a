package cachegate.store;

import cachegate.engine.CacheKey;
import cachegate.engine.CacheMetrics;
import cachegate.engine.CachedResponse;
import cachegate.engine.EntryCatalog;
import cachegate.engine.FailOpenStore;
import cachegate.engine.Failures;
import cachegate.engine.FetchLease;
import cachegate.engine.OutageLog;
import cachegate.engine.ResponseStore;
import cachegate.engine.WriteRefusedException;
import java.time.Duration;
import java.time.Instant;
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
 * the subscription reconnects, or because it could not be published) lets an instance serve a
 * replaced entry for at most its TTL. Stale entries are served from L2 only.
 *
 * <p>Entries are read from and written to L2 through a {@link FailOpenStore}: a failure is a miss
 * or a skipped L2 write, counted and logged once per outage, and L1 keeps working. A write that a
 * full Redis refuses is a skipped L2 write too, but no outage: the Redis store counts and logs it
 * ({@link WriteRefusedException}), and reads from L2 go on. An announcement that cannot be
 * published is counted as a failure of the {@code evictions} tier and logged once per outage; a
 * purge waits for its announcement and says in its answer when the other instances were not told.
 * Thread-safe.
 */
public final class TieredStore implements ResponseStore, EntryCatalog {
  private final MemoryStore local;
  private final RedisStore remote;
  private final FailOpenStore remoteEntries;
  private final InstantSource clock;
  private final CacheMetrics metrics;
  private final String channel;
  private final OutageLog announcements;
  private final String instance = UUID.randomUUID().toString();

  /**
   * @param remoteLog logs when Redis starts failing and when it recovers, shared with whatever else
   *     reports on Redis (the check at start), so that one outage gives one line
   * @param namespace the key prefix; the invalidation channel is {@code <namespace>:v2:evictions}
   */
  public TieredStore(
      MemoryStore local,
      RedisStore remote,
      InstantSource clock,
      OutageLog remoteLog,
      CacheMetrics metrics,
      String namespace) {
    this.local = local;
    this.remote = remote;
    this.remoteEntries =
        new FailOpenStore(remote, remoteLog, "from the local tier and the upstream", metrics);
    this.clock = clock;
    this.metrics = CacheMetrics.guarded(metrics);
    this.channel = CacheKey.prefix(namespace) + "evictions";
    this.announcements = new OutageLog("Redis eviction channel " + channel);
    remote.subscribe(channel, this::onEviction);
  }

  @Override
  public String tier() {
    return "tiered";
  }

  @Override
  public CompletableFuture<Optional<CachedResponse>> get(CacheKey key) {
    return local
        .get(key)
        .thenCompose(
            found -> found.isPresent() ? CompletableFuture.completedFuture(found) : remote(key));
  }

  /**
   * As {@link #get}, with Redis read by a lookup that tries the fetch lease in the same step when
   * nothing is stored there; a local hit tries nothing.
   */
  @Override
  public CompletableFuture<FetchLease.Lookup> lookup(
      CacheKey key, FetchLease lease, Duration leaseTime) {
    return local
        .get(key)
        .thenCompose(
            found ->
                found.isPresent()
                    ? CompletableFuture.completedFuture(
                        new FetchLease.Lookup(found, FetchLease.Claim.NOT_TRIED, local.tier()))
                    : remoteEntries
                        .lookup(key, lease, leaseTime)
                        .thenApply(
                            remote -> {
                              if (remote.stored().isEmpty()) {
                                return remote;
                              }
                              CachedResponse entry = remote.stored().get();
                              copyToLocal(key, entry, entry.ttl());
                              return remote.from(this.remote.tier());
                            }));
  }

  private CompletableFuture<Optional<CachedResponse>> remote(CacheKey key) {
    return remoteEntries
        .get(key)
        .thenApply(
            found -> {
              found.ifPresent(entry -> copyToLocal(key, entry, entry.ttl()));
              return found;
            });
  }

  @Override
  public CompletableFuture<Boolean> put(CacheKey key, CachedResponse entry, Duration retention) {
    return remoteEntries
        .put(key, entry, retention)
        .thenApply(
            stored -> {
              if (stored) {
                announce(key.redisKey());
              }
              // Whether Redis stored the entry, refused it or failed, the local tier keeps it.
              copyToLocal(key, entry, retention);
              return true;
            });
  }

  /** Lists what Redis holds: the shared truth, of which the local tier is a subset. */
  @Override
  public CompletableFuture<Page> list(String prefix, String cursor, int count) {
    return remote.list(prefix, cursor, count);
  }

  @Override
  public CompletableFuture<Optional<EntryInfo>> describe(String key) {
    return remote.describe(key);
  }

  /** Removes from Redis, then from the local tier, and tells the other instances to do the same. */
  @Override
  public CompletableFuture<Purge> removeAll(String prefix) {
    return purged(
        remote.removeAll(prefix).whenComplete((done, failure) -> local.evictAll(prefix)),
        prefix + "*");
  }

  @Override
  public CompletableFuture<Purge> remove(String key) {
    return purged(remote.remove(key).whenComplete((done, failure) -> local.evict(key)), key);
  }

  /** Marks the Redis entry stale and drops every local copy, which could only be fresh. */
  @Override
  public CompletableFuture<Purge> markStale(String key, Instant now) {
    return purged(
        remote.markStale(key, now).whenComplete((done, failure) -> local.evict(key)), key);
  }

  /** A purge done in Redis and here, once the other instances have been told of {@code target}. */
  private CompletableFuture<Purge> purged(CompletableFuture<Purge> done, String target) {
    return done.thenCompose(
        purge ->
            announce(target)
                .thenApply(notTold -> notTold.map(purge::withOthersNotTold).orElse(purge)));
  }

  /**
   * L1 keeps a copy only while it is fresh (and never past {@code retention}); an entry that is no
   * longer fresh (a soft purge) replaces nothing there: the old copy is dropped.
   */
  private void copyToLocal(CacheKey key, CachedResponse entry, Duration retention) {
    Duration fresh = entry.ttl().minus(entry.age(clock.instant()));
    Duration keep = fresh.compareTo(retention) < 0 ? fresh : retention;
    if (keep.isNegative() || keep.isZero()) {
      local.evict(key.redisKey());
    } else {
      local.put(key, entry, keep);
    }
  }

  /**
   * Tells the other instances to drop a key (or, ending in {@code *}, a prefix) from L1. Completes
   * with why they could not be told, if they could not; that is counted and logged here.
   */
  private CompletableFuture<Optional<String>> announce(String target) {
    CompletableFuture<Long> published;
    try {
      published = remote.publish(channel, instance + " " + target);
    } catch (RuntimeException e) {
      published = CompletableFuture.failedFuture(e);
    }
    return published.handle(
        (receivers, failure) -> {
          if (failure == null) {
            announcements.succeeded();
            return Optional.empty();
          }
          metrics.storeFailure("evictions");
          announcements.failed(
              "announcing the eviction of " + target + ": " + Failures.describe(failure),
              "replaced or purged entries from other instances' local tiers (each until its copy"
                  + " stops being fresh)");
          return Optional.of(Failures.describe(failure));
        });
  }

  /** {@code <instance> <key>} drops one key; {@code <instance> <prefix>*} drops a whole prefix. */
  private void onEviction(String message) {
    int space = message.indexOf(' ');
    if (space <= 0 || message.substring(0, space).equals(instance)) {
      return;
    }
    String target = message.substring(space + 1);
    if (target.endsWith("*")) {
      local.evictAll(target.substring(0, target.length() - 1));
    } else {
      local.evict(target);
    }
  }
}
