package cachegate.engine;

import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * The engine's calls to its store, with the policy for failures in one place: a failed read is a
 * miss and a failed write a skipped write, each counted and logged once per outage; a write the
 * store refused because it is full was counted and logged by the store. Thread-safe.
 */
final class StoreCalls {
  private final ResponseStore store;
  private final CachePolicy policy;
  private final CacheMetrics metrics;
  private final OutageLog log = new OutageLog("cache store");

  StoreCalls(ResponseStore store, CachePolicy policy, CacheMetrics metrics) {
    this.store = store;
    this.policy = policy;
    this.metrics = metrics;
  }

  /** The entry stored for {@code key}; empty when there is none or the store failed. */
  CompletableFuture<Optional<CachedResponse>> lookup(CacheKey key) {
    return store
        .get(key)
        .handle(
            (found, failure) -> {
              if (failure != null) {
                metrics.storeFailure(store.tier());
                log.failed("reading " + key + ": " + message(failure), "from the upstream");
                return Optional.empty();
              }
              log.succeeded();
              return found;
            });
  }

  /** Writes {@code entry} for the policy's retention; false when it was not written. */
  CompletableFuture<Boolean> save(CacheKey key, CachedResponse entry) {
    CompletableFuture<Boolean> put;
    try {
      put = store.put(key, entry, policy.retention());
    } catch (RuntimeException e) {
      put = CompletableFuture.failedFuture(e);
    }
    return put.handle(
        (stored, failure) -> {
          if (failure != null) {
            // A full store refused the write (counted and logged there): skipped, no outage.
            if (Failures.unwrap(failure) instanceof WriteRefusedException) {
              return false;
            }
            metrics.storeFailure(store.tier());
            log.failed("writing " + key + ": " + message(failure), "upstream answers uncached");
            return false;
          }
          log.succeeded();
          return stored;
        });
  }

  /** Whether the store keeps what it is given (a null store does not). */
  boolean keepsEntries() {
    return store.keepsEntries();
  }

  /** Whether the store's last call failed. */
  boolean isFailing() {
    return log.isFailing();
  }

  /** A failure's message, for one log line. */
  static String message(Throwable failure) {
    return Failures.describe(failure);
  }
}
