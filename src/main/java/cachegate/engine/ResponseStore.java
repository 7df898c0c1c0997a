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

  /** Whether {@link #put} keeps anything; {@code false} for a store that is no cache at all. */
  default boolean keepsEntries() {
    return true;
  }

  /** The tier's name in metrics and logs: {@code local}, {@code redis}, ... */
  default String tier() {
    return getClass().getSimpleName();
  }
}
