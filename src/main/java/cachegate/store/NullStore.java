package cachegate.store;

import cachegate.engine.CacheKey;
import cachegate.engine.CachedResponse;
import cachegate.engine.EntryCatalog;
import cachegate.engine.ResponseStore;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/** Keeps nothing: flask-caching's {@code NullCache}. Every request goes to the upstream. */
public final class NullStore implements ResponseStore, EntryCatalog {
  @Override
  public String tier() {
    return "none";
  }

  @Override
  public CompletableFuture<Optional<CachedResponse>> get(CacheKey key) {
    return CompletableFuture.completedFuture(Optional.empty());
  }

  @Override
  public boolean keepsEntries() {
    return false;
  }

  @Override
  public CompletableFuture<Boolean> put(CacheKey key, CachedResponse entry, Duration retention) {
    return CompletableFuture.completedFuture(false);
  }

  @Override
  public CompletableFuture<Page> list(String prefix, String cursor, int count) {
    return CompletableFuture.completedFuture(new Page(List.of(), "0"));
  }

  @Override
  public CompletableFuture<Optional<EntryInfo>> describe(String key) {
    return CompletableFuture.completedFuture(Optional.empty());
  }

  @Override
  public CompletableFuture<Purge> removeAll(String prefix) {
    return CompletableFuture.completedFuture(Purge.of(0));
  }

  @Override
  public CompletableFuture<Purge> remove(String key) {
    return CompletableFuture.completedFuture(Purge.of(0));
  }

  @Override
  public CompletableFuture<Purge> markStale(String key, Instant now) {
    return CompletableFuture.completedFuture(Purge.of(0));
  }
}
