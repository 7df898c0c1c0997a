package cachegate.store;

import cachegate.engine.CacheKey;
import cachegate.engine.CachedResponse;
import cachegate.engine.ResponseStore;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/** Keeps nothing: flask-caching's {@code NullCache}. Every request goes to the upstream. */
public final class NullStore implements ResponseStore {
  @Override
  public CompletableFuture<Optional<CachedResponse>> get(CacheKey key) {
    return CompletableFuture.completedFuture(Optional.empty());
  }

  @Override
  public CompletableFuture<Boolean> put(CacheKey key, CachedResponse entry, Duration retention) {
    return CompletableFuture.completedFuture(false);
  }

  @Override
  public CompletableFuture<Void> remove(CacheKey key) {
    return CompletableFuture.completedFuture(null);
  }
}
