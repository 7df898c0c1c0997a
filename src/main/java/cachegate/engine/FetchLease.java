package cachegate.engine;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;

/**
 * Port to a lease shared by every instance, so that one instance fetches a key while the others
 * wait for its answer to appear in the shared store. A lease expires by itself, so a holder that
 * dies only delays the others by the lease time.
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

  /** Takes the lease on {@code key} for at most {@code time}; {@code false} if another holds it. */
  CompletableFuture<Boolean> tryAcquire(CacheKey key, Duration time);

  /** Whether any instance holds the lease on {@code key} now. */
  CompletableFuture<Boolean> isHeld(CacheKey key);

  /** Gives up this instance's lease on {@code key}, if it still holds it. */
  CompletableFuture<Void> release(CacheKey key);
}
