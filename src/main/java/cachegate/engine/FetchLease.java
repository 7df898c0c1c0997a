package cachegate.engine;

import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * Port to a lease shared by every instance, so that one instance fetches a key while the others
 * wait for its answer to appear in the shared store. A lease is short and its holder renews it
 * while it fetches, so a lease left behind (a holder that died, or an acquisition that timed out on
 * the client but still reached the store) lapses within one lease time.
 *
 * <p>Each try for the lease also reads the key's entry, in the same step ({@link Attempt}): an
 * instance that finds the lease free therefore sees any answer its last holder stored before
 * letting go of it, without relying on the order in which two separate commands arrive.
 * Implementations are thread-safe; a store that cannot be reached fails the returned future.
 */
public interface FetchLease {
  /**
   * What one try for the lease found, in one atomic step.
   *
   * @param acquired whether this instance holds the lease now
   * @param stored the entry stored under the key at that moment; empty when there is none, or none
   *     that can be read (the read that came before the try has counted and logged why)
   */
  record Attempt(boolean acquired, Optional<CachedResponse> stored) {}

  /**
   * No other instance: every try succeeds at once, with what {@code store} (in this process) holds
   * under the key; a store that fails to answer holds nothing.
   */
  static FetchLease local(ResponseStore store) {
    return new FetchLease() {
      @Override
      public CompletableFuture<Attempt> tryAcquire(CacheKey key, Duration time) {
        return store
            .get(key)
            .handle(
                (found, failure) ->
                    new Attempt(true, failure == null ? found : Optional.<CachedResponse>empty()));
      }

      @Override
      public CompletableFuture<Void> release(CacheKey key) {
        return CompletableFuture.completedFuture(null);
      }
    };
  }

  /**
   * Takes the lease on {@code key} for {@code time} unless another instance holds it, and reads the
   * key's entry in the same step. A lease this instance already holds counts as taken (and is
   * extended): with one fetch per key per instance, such a lease can only be one left behind.
   */
  CompletableFuture<Attempt> tryAcquire(CacheKey key, Duration time);

  /**
   * Extends this instance's lease on {@code key} to {@code time} from now, if it still holds it.
   */
  default CompletableFuture<Boolean> renew(CacheKey key, Duration time) {
    return CompletableFuture.completedFuture(true);
  }

  /** Gives up this instance's lease on {@code key}, if it still holds it. */
  CompletableFuture<Void> release(CacheKey key);
}
