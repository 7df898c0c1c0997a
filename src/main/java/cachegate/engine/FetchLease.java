package cachegate.engine;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;

/**
 * Port to a lease shared by every instance, so that one instance fetches a key while the others
 * wait for its answer to appear in the shared store. A lease is short and its holder renews it
 * while it fetches, so a lease left behind (a holder that died, or an acquisition that timed out on
 * the client but still reached Redis) lapses within one lease time.
 */
public interface FetchLease {
  /** No other instance: every acquisition succeeds at once. */
  FetchLease LOCAL =
      new FetchLease() {
        @Override
        public CompletableFuture<Boolean> tryAcquire(CacheKey key, Duration time) {
          return CompletableFuture.completedFuture(true);
        }

        @Override
        public CompletableFuture<Boolean> isHeld(CacheKey key) {
          return CompletableFuture.completedFuture(false);
        }

        @Override
        public CompletableFuture<Void> release(CacheKey key) {
          return CompletableFuture.completedFuture(null);
        }
      };

  /**
   * Takes the lease on {@code key} for {@code time}; {@code false} if another instance holds it. A
   * lease this instance already holds counts as taken (and is extended): with one fetch per key per
   * instance, such a lease can only be one left behind.
   */
  CompletableFuture<Boolean> tryAcquire(CacheKey key, Duration time);

  /**
   * Extends this instance's lease on {@code key} to {@code time} from now, if it still holds it.
   */
  default CompletableFuture<Boolean> renew(CacheKey key, Duration time) {
    return CompletableFuture.completedFuture(true);
  }

  /** Whether any instance holds the lease on {@code key} now. */
  CompletableFuture<Boolean> isHeld(CacheKey key);

  /** Gives up this instance's lease on {@code key}, if it still holds it. */
  CompletableFuture<Void> release(CacheKey key);
}
