package cachegate.engine;

import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

/**
 * Serves one route's answers from a {@link ResponseStore}, going to the {@link Upstream} only when
 * nothing fresh is stored.
 *
 * <p>Threading: every method is thread-safe and non-blocking. Futures complete on whichever thread
 * completed the store or upstream call; callers that care (the HTTP layer) hop back to their own
 * thread.
 *
 * <p>Failures: a failing store is a miss on read and a skipped write on write, logged once per
 * outage; it never fails a request the upstream can answer. A failing upstream fails the returned
 * future with {@link UpstreamException}, and nothing is stored.
 */
public final class CacheEngine {
  private final ResponseStore store;
  private final Upstream upstream;
  private final CachePolicy policy;
  private final InstantSource clock;
  private final OutageLog storeLog;
  private final OutageLog upstreamLog;

  public CacheEngine(
      ResponseStore store,
      Upstream upstream,
      CachePolicy policy,
      InstantSource clock,
      OutageLog storeLog,
      OutageLog upstreamLog) {
    this.store = store;
    this.upstream = upstream;
    this.policy = policy;
    this.clock = clock;
    this.storeLog = storeLog;
    this.upstreamLog = upstreamLog;
  }

  /** The answer for {@code key}: from the store when fresh, else from the upstream. */
  public CompletableFuture<CacheResult> get(CacheKey key) {
    return lookup(key)
        .thenCompose(
            found -> {
              // Nothing stored (or the store failed): ask the upstream.
              if (found.isEmpty()) {
                return fetch(key);
              }
              CachedResponse entry = found.get();
              Instant now = clock.instant();
              return switch (Freshness.assess(entry, now, policy)) {
                // Fresh: serve the stored answer without touching the upstream.
                case FRESH -> CompletableFuture.completedFuture(hit(key, entry, now));
                // Too old: ask the upstream as if nothing were stored.
                case EXPIRED -> fetch(key);
              };
            });
  }

  private CacheResult hit(CacheKey key, CachedResponse entry, Instant now) {
    return new CacheResult(
        entry,
        CacheOutcome.HIT,
        key,
        entry.age(now),
        Freshness.remaining(entry, now, policy),
        false);
  }

  private CompletableFuture<CacheResult> fetch(CacheKey key) {
    return upstream
        .fetch(key)
        .whenComplete(
            (answer, failure) -> {
              if (failure == null) {
                upstreamLog.succeeded();
              } else {
                upstreamLog.failed(cause(failure), "errors (502/504) for keys it must answer");
              }
            })
        .thenCompose(
            answer -> {
              CachedResponse entry =
                  new CachedResponse(
                      answer.status(),
                      answer.contentType(),
                      answer.body(),
                      clock.instant(),
                      policy.ttl());
              return save(key, entry)
                  .thenApply(
                      stored ->
                          new CacheResult(
                              entry, CacheOutcome.MISS, key, Duration.ZERO, policy.ttl(), stored));
            });
  }

  private CompletableFuture<Optional<CachedResponse>> lookup(CacheKey key) {
    return store
        .get(key)
        .handle(
            (found, failure) -> {
              if (failure != null) {
                storeLog.failed("reading " + key + ": " + cause(failure), "from the upstream");
                return Optional.empty();
              }
              storeLog.succeeded();
              return found;
            });
  }

  private CompletableFuture<Boolean> save(CacheKey key, CachedResponse entry) {
    return store
        .put(key, entry, policy.retention())
        .handle(
            (stored, failure) -> {
              if (failure != null) {
                storeLog.failed(
                    "writing " + key + ": " + cause(failure), "upstream answers uncached");
                return false;
              }
              storeLog.succeeded();
              return stored;
            });
  }

  private static String cause(Throwable failure) {
    Throwable cause =
        failure instanceof CompletionException && failure.getCause() != null
            ? failure.getCause()
            : failure;
    return cause.getMessage() == null ? cause.getClass().getSimpleName() : cause.getMessage();
  }
}
