package cachegate.engine;

import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;

/**
 * A store whose reads and writes never fail: the one place that says what a store failure costs (as
 * Caffeine's {@code GuardedStatsCounter} wraps a {@code StatsCounter}). A failed read is a miss and
 * a failed write a skipped write; each failure is counted ({@link CacheMetrics#storeFailure} with
 * the store's tier) and logged once per outage ({@link OutageLog}: one line when the store starts
 * failing, one when it recovers).
 *
 * <p>A write refused because the store is full ({@link WriteRefusedException}) is a skipped write
 * too, but no failure: the store that refused it has counted and logged it. A removal is passed on
 * as it is, failure included: whoever removes an entry must know whether it is gone.
 *
 * <p>Thread-safe when the store is. An exception the store throws instead of returning a failed
 * future is treated as a failure like any other.
 */
public final class FailOpenStore implements ResponseStore {
  private final ResponseStore store;
  private final String servedInstead;
  private final CacheMetrics metrics;
  private final OutageLog log;

  /**
   * @param log where the store's outages are logged, e.g. {@code new OutageLog("Redis
   *     redis://127.0.0.1:6379/0")}; it may be shared with other reports on the same store
   * @param servedInstead what is served while the store fails, for its log line
   */
  public FailOpenStore(
      ResponseStore store, OutageLog log, String servedInstead, CacheMetrics metrics) {
    this.store = store;
    this.servedInstead = servedInstead;
    this.metrics = CacheMetrics.guarded(metrics);
    this.log = log;
  }

  /** The entry stored under {@code key}; empty when there is none or the store failed. */
  @Override
  public CompletableFuture<Optional<CachedResponse>> get(CacheKey key) {
    return call(() -> store.get(key))
        .handle(
            (found, failure) -> {
              if (failure != null) {
                failed("reading " + key, failure);
                return Optional.empty();
              }
              log.succeeded();
              return found;
            });
  }

  /**
   * What {@link ResponseStore#lookup} finds; when the store failed, nothing, and the lease not
   * tried (the engine tries it, and fetches by itself if that fails too).
   */
  @Override
  public CompletableFuture<FetchLease.Lookup> lookup(
      CacheKey key, FetchLease lease, Duration leaseTime) {
    return call(() -> store.lookup(key, lease, leaseTime))
        .handle(
            (found, failure) -> {
              if (failure != null) {
                // A full store refused the lease, having found nothing: no outage, and the engine's
                // own try for the lease counts the refusal.
                if (!(Failures.unwrap(failure) instanceof WriteRefusedException)) {
                  failed("reading " + key, failure);
                }
                return FetchLease.Lookup.read(Optional.empty());
              }
              log.succeeded();
              return found;
            });
  }

  /** Writes {@code entry}; {@code false} when the store keeps nothing, refused it or failed. */
  @Override
  public CompletableFuture<Boolean> put(CacheKey key, CachedResponse entry, Duration retention) {
    return call(() -> store.put(key, entry, retention))
        .handle(
            (stored, failure) -> {
              if (failure == null) {
                log.succeeded();
                return stored;
              }
              // A full store refused the write (counted and logged there): skipped, no outage.
              if (!(Failures.unwrap(failure) instanceof WriteRefusedException)) {
                failed("writing " + key, failure);
              }
              return false;
            });
  }

  @Override
  public boolean keepsEntries() {
    return store.keepsEntries();
  }

  @Override
  public String tier() {
    return store.tier();
  }

  /** Whether the store's last read or write failed. */
  public boolean isFailing() {
    return log.isFailing();
  }

  private void failed(String what, Throwable failure) {
    metrics.storeFailure(store.tier());
    log.failed(what + ": " + Failures.describe(failure), servedInstead);
  }

  private static <T> CompletableFuture<T> call(Supplier<CompletableFuture<T>> call) {
    try {
      return call.get();
    } catch (RuntimeException e) {
      return CompletableFuture.failedFuture(e);
    }
  }
}
