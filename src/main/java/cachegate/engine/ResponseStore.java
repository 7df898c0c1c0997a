package cachegate.engine;

import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * Port to where answers are kept: in process, in Redis, or both. All methods are asynchronous and
 * thread-safe. A failing store completes its future exceptionally (with {@link StoreException})
 * rather than throwing; the engine treats that as a miss or a skipped write. Entries are removed
 * through {@link EntryCatalog}, by operators: the engine itself never removes one.
 */
public interface ResponseStore {
  /**
   * The entry stored under {@code key}, if any. Never returns an entry stored under another key.
   */
  CompletableFuture<Optional<CachedResponse>> get(CacheKey key);

  /**
   * Stores {@code entry} under {@code key}, replacing any entry, for at most {@code retention}.
   * Completes with {@code true} when stored, {@code false} when this store keeps nothing.
   */
  CompletableFuture<Boolean> put(CacheKey key, CachedResponse entry, Duration retention);

  /**
   * The entry stored under {@code key}, as {@link #get} reads it, and, when there is none, a try
   * for the key's fetch {@code lease} (for {@code leaseTime}) in the same step, where the lease
   * lives beside this store's entries ({@link FetchLease#reads}): then a key that is not stored
   * costs one call before its fetch. Otherwise the lease is not tried ({@link
   * FetchLease.Claim#NOT_TRIED}).
   */
  default CompletableFuture<FetchLease.Lookup> lookup(
      CacheKey key, FetchLease lease, Duration leaseTime) {
    if (lease.reads(this)) {
      return lease.lookup(key, leaseTime);
    }
    return get(key).thenApply(FetchLease.Lookup::read);
  }

  /** Whether {@link #put} keeps anything; {@code false} for a store that is no cache at all. */
  default boolean keepsEntries() {
    return true;
  }

  /** The tier's name in metrics and logs: {@code local}, {@code redis}, ... */
  default String tier() {
    return getClass().getSimpleName();
  }
}
