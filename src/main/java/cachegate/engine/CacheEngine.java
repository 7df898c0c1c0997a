package cachegate.engine;

import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.function.Supplier;
import java.util.random.RandomGenerator;

/**
 * Serves one route's answers from a {@link ResponseStore}, going to the {@link Upstream} only when
 * nothing usable is stored, and then at most once per key at a time.
 *
 * <p>Threading: every method is thread-safe and non-blocking. Futures complete on whichever thread
 * completed the store, lease or upstream call; callers that care (the HTTP layer) hop back to their
 * own thread. Concurrent fetches for one key are joined by a {@link Coalescer} in this process, and
 * across processes by a {@link FetchLease}: the instance holding the lease fetches, the others poll
 * the store every {@link #PEER_POLL} until its answer appears, and fetch themselves only when the
 * lease is gone without an answer (the holder renews it while it fetches, so a lease left behind
 * lapses within {@link #LEASE_TTL}), or after the upstream timeout.
 *
 * <p>Failures: a failing store or lease is a miss on read, a skipped write on write and "fetch it
 * yourself" for the lease, logged once per outage; it never fails a request the upstream can
 * answer. A failing upstream falls back to a stored entry within stale-if-error; otherwise the
 * returned future fails with {@link UpstreamException}. A failed or invalid upstream answer is
 * never stored, so it never replaces a good entry.
 *
 * <p>A store that is full refuses writes and leases ({@link WriteRefusedException}): a skipped
 * write and "fetch it yourself" too, but no outage, counted and logged by the store, not here.
 *
 * <p>Every answer and failure is recorded in {@link CacheMetrics} (guarded: a broken metrics
 * implementation never fails a request). After {@link #close()} no background refresh starts.
 */
public final class CacheEngine {
  /** How often an instance waiting for another's fetch looks for the answer in the store. */
  static final Duration PEER_POLL = Duration.ofMillis(20);

  /** How long a fetch lease lasts unless its holder renews it. */
  static final Duration LEASE_TTL = Duration.ofSeconds(2);

  /** How often a holder renews its lease while it fetches. */
  static final Duration LEASE_RENEWAL = Duration.ofMillis(600);

  private static final Logger LOG = System.getLogger(CacheEngine.class.getName());

  private final CacheMetrics metrics;
  private final ResponseStore store;
  private final Upstream upstream;
  private final FetchLease lease;
  private final CachePolicy policy;
  private final InstantSource clock;
  private final RandomGenerator random;
  private final Duration longestWait;
  private final OutageLog storeLog = new OutageLog("cache store");
  private final OutageLog leaseLog = new OutageLog("fetch lease in the cache store");
  private final OutageLog upstreamLog = new OutageLog("upstream");
  private final Coalescer<CacheKey, Fetched> fetches = new Coalescer<>();
  private volatile boolean closed;
  private final Scheduler scheduler;

  /**
   * An answer fetched for a key: by this instance from the upstream, or by a peer.
   *
   * @param stored whether the answer is being written to the store (after it is served) and the
   *     store has not been failing
   * @param upstream the upstream's answer when this instance fetched it
   * @param afterwards what is still to do once the answer is served: writing it to the store and
   *     letting go of the fetch lease
   */
  private record Fetched(
      CachedResponse entry,
      boolean stored,
      boolean byPeer,
      Optional<UpstreamResponse> upstream,
      Supplier<CompletableFuture<?>> afterwards) {
    static Fetched byPeer(CachedResponse entry) {
      return new Fetched(entry, false, true, Optional.empty(), () -> DONE);
    }

    /** This answer, with {@code then} run once what comes after it is done. */
    Fetched andThen(Runnable then) {
      return new Fetched(
          entry,
          stored,
          byPeer,
          upstream,
          () -> afterwards.get().whenComplete((x, y) -> then.run()));
    }
  }

  private static final CompletableFuture<Void> DONE = CompletableFuture.completedFuture(null);

  /**
   * @param fetchTimeout the longest an upstream fetch takes; no instance waits for another's fetch
   *     much longer
   * @param random the source of XFetch's and the TTL jitter's random numbers
   */
  public CacheEngine(
      ResponseStore store,
      Upstream upstream,
      FetchLease lease,
      CachePolicy policy,
      InstantSource clock,
      RandomGenerator random,
      Duration fetchTimeout) {
    this(
        store,
        upstream,
        lease,
        policy,
        clock,
        random,
        fetchTimeout,
        Scheduler.ofJdk(),
        CacheMetrics.none());
  }

  /**
   * As above, waiting with {@code scheduler} and recording every outcome in {@code metrics}
   * (guarded: it can never fail a request).
   */
  public CacheEngine(
      ResponseStore store,
      Upstream upstream,
      FetchLease lease,
      CachePolicy policy,
      InstantSource clock,
      RandomGenerator random,
      Duration fetchTimeout,
      Scheduler scheduler,
      CacheMetrics metrics) {
    this.metrics = CacheMetrics.guarded(metrics);
    this.store = store;
    this.upstream = upstream;
    this.lease = lease;
    this.policy = policy;
    this.clock = clock;
    this.random = random;
    this.longestWait = fetchTimeout.plus(LEASE_TTL);
    this.scheduler = scheduler;
  }

  /** The answer for {@code key}, as described in the class comment. */
  public CompletableFuture<CacheResult> get(CacheKey key) {
    return decide(key)
        .whenComplete(
            (result, failure) -> {
              if (failure == null) {
                metrics.record(result);
              } else {
                metrics.error(key.route());
              }
            });
  }

  private CompletableFuture<CacheResult> decide(CacheKey key) {
    return lookup(key)
        .thenCompose(
            found -> {
              // Nothing stored (or the store failed): fetch, sharing one fetch per key.
              if (found.isEmpty()) {
                return fetch(key, found, CacheOutcome.MISS);
              }
              CachedResponse entry = found.get();
              Instant now = clock.instant();
              return switch (Freshness.assess(entry, now, policy)) {
                // Fresh: serve it; a key near expiry may start its refresh early (XFetch).
                case FRESH -> {
                  if (Freshness.refreshEarly(entry, now, policy, uniform())) {
                    refreshInBackground(key, entry);
                  }
                  yield CompletableFuture.completedFuture(
                      served(key, entry, now, CacheOutcome.HIT, OptionalInt.empty()));
                }
                // Within stale-while-revalidate: serve it at once, refresh once in the background.
                case STALE_REVALIDATE -> {
                  refreshInBackground(key, entry);
                  yield CompletableFuture.completedFuture(
                      served(key, entry, now, CacheOutcome.STALE, OptionalInt.empty()));
                }
                // Within stale-if-error: fetch, and serve the entry if the upstream fails.
                case STALE_IF_ERROR ->
                    fetch(key, found, CacheOutcome.REVALIDATED)
                        .handle(
                            (result, failure) ->
                                result != null ? result : staleIfError(key, entry, failure));
                // Too old for anything: fetch as if nothing were stored.
                case EXPIRED -> fetch(key, found, CacheOutcome.REVALIDATED);
              };
            });
  }

  private CacheResult served(
      CacheKey key,
      CachedResponse entry,
      Instant now,
      CacheOutcome outcome,
      OptionalInt forwardStatus) {
    return new CacheResult(
        entry,
        outcome,
        key,
        entry.age(now),
        Freshness.remaining(entry, now, policy),
        false,
        false,
        forwardStatus,
        List.of());
  }

  private CacheResult staleIfError(CacheKey key, CachedResponse entry, Throwable failure) {
    Throwable cause = Failures.unwrap(failure);
    if (!(cause instanceof UpstreamException upstreamFailure)) {
      throw new CompletionException(cause);
    }
    return served(
        key, entry, clock.instant(), CacheOutcome.STALE_IF_ERROR, upstreamFailure.upstreamStatus());
  }

  /** Stops starting background refreshes (at shutdown); requests are still answered. */
  public void close() {
    closed = true;
  }

  private void refreshInBackground(CacheKey key, CachedResponse entry) {
    if (closed) {
      return;
    }
    Coalescer.Flight<Fetched> flight =
        fetches.join(key, () -> fetchOnce(key, Optional.of(entry)), f -> f.afterwards().get());
    if (flight.leader()) {
      flight
          .result()
          .exceptionally(
              failure -> {
                // Upstream failures are logged by the outage log; anything else is a bug.
                if (!(Failures.unwrap(failure) instanceof UpstreamException)) {
                  LOG.log(
                      Level.ERROR,
                      "background refresh of " + key + " failed",
                      Failures.unwrap(failure));
                }
                return null;
              });
    }
  }

  private CompletableFuture<CacheResult> fetch(
      CacheKey key, Optional<CachedResponse> previous, CacheOutcome outcome) {
    Coalescer.Flight<Fetched> flight =
        fetches.join(key, () -> fetchOnce(key, previous), f -> f.afterwards().get());
    CompletableFuture<Fetched> running = flight.result();
    if (!flight.leader() && running.isDone() && !running.isCompletedExceptionally()) {
      // The answer arrived before this request and is being written: it is served like a hit.
      return CompletableFuture.completedFuture(
          served(
              key, running.join().entry(), clock.instant(), CacheOutcome.HIT, OptionalInt.empty()));
    }
    return running.thenApply(
        fetched -> {
          Instant now = clock.instant();
          CachedResponse entry = fetched.entry();
          return new CacheResult(
              entry,
              outcome,
              key,
              entry.age(now),
              Freshness.remaining(entry, now, policy),
              flight.leader() && fetched.stored(),
              !flight.leader() || fetched.byPeer(),
              OptionalInt.of(entry.status()),
              fetched
                  .upstream()
                  .map(answer -> passThrough(answer, flight.leader()))
                  .orElse(List.of()));
        });
  }

  /**
   * One fetch for all instances: take the lease and fetch, or wait for the lease holder's answer to
   * appear in the store. An answer counts when it is newer than {@code previous}.
   */
  private CompletableFuture<Fetched> fetchOnce(CacheKey key, Optional<CachedResponse> previous) {
    return fetchOnce(key, previous, System.nanoTime() + longestWait.toNanos());
  }

  private CompletableFuture<Fetched> fetchOnce(
      CacheKey key, Optional<CachedResponse> previous, long deadlineNanos) {
    // The entry is read together with the try for the lease, not after its answer: both go to
    // Redis on one connection (an entry and its lease share a hash slot), which runs the read after
    // the lease script, so the read sees what a peer wrote before letting go of the lease.
    CompletableFuture<Boolean> lease = acquire(key);
    CompletableFuture<Optional<CachedResponse>> stored = lookup(key);
    return lease.thenCompose(
        acquired ->
            stored.thenCompose(
                found -> {
                  if (isNewer(found, previous)) {
                    if (acquired) {
                      release(key);
                    }
                    return CompletableFuture.completedFuture(Fetched.byPeer(found.get()));
                  }
                  if (!acquired && System.nanoTime() - deadlineNanos < 0) {
                    // A peer is fetching: look again shortly.
                    CompletableFuture<Void> later = new CompletableFuture<>();
                    scheduler.schedule(PEER_POLL, () -> later.complete(null));
                    return later.thenCompose(ignored -> fetchOnce(key, previous, deadlineNanos));
                  }
                  // Holding the lease (or waited long enough): fetch. The lease is kept until
                  // the answer is in the store, so that peers wait for it there instead of
                  // fetching it again.
                  LeaseKeeper keeper = new LeaseKeeper(key);
                  keeper.schedule();
                  Runnable letGo =
                      () -> {
                        keeper.stop();
                        release(key);
                      };
                  return fromUpstream(key)
                      .whenComplete(
                          (fetched, failure) -> {
                            if (failure != null) {
                              letGo.run();
                            }
                          })
                      .thenApply(fetched -> fetched.andThen(letGo));
                }));
  }

  private static boolean isNewer(
      Optional<CachedResponse> found, Optional<CachedResponse> previous) {
    return found.isPresent()
        && (previous.isEmpty() || found.get().storedAt().isAfter(previous.get().storedAt()));
  }

  private CompletableFuture<Fetched> fromUpstream(CacheKey key) {
    long started = System.nanoTime();
    return upstream
        .fetch(key)
        .whenComplete(
            (answer, failure) -> {
              metrics.upstreamCall(
                  key.route(), Duration.ofNanos(System.nanoTime() - started), failure == null);
              if (failure == null) {
                upstreamLog.succeeded();
              } else {
                upstreamLog.failed(message(failure), "stale entries or errors (502/504)");
              }
            })
        .thenApply(
            answer -> {
              CachedResponse entry =
                  new CachedResponse(
                      answer.status(),
                      answer.contentType(),
                      ResponseBody.of(answer.body()),
                      clock.instant(),
                      jittered(policy.ttl()),
                      Duration.ofMillis((System.nanoTime() - started) / 1_000_000));
              if (!answer.isStorable()
                  || answer.body().length > policy.maxEntryBytes()
                  || !store.keepsEntries()) {
                return new Fetched(entry, false, false, Optional.of(answer), () -> DONE);
              }
              // Written once the answer is served: a miss does not wait for the store, so
              // "stored" is what is expected of a store that has not been failing.
              return new Fetched(
                  entry, !storeLog.isFailing(), false, Optional.of(answer), () -> save(key, entry));
            });
  }

  /**
   * Headers of an answer that may not be stored, to send on: its {@code Cache-Control}, so that
   * caches after cachegate do not store it either, and its cookies to the request that fetched it,
   * never to requests that joined the fetch.
   */
  private static List<Map.Entry<String, String>> passThrough(
      UpstreamResponse answer, boolean fetchedForThisRequest) {
    if (answer.isStorable()) {
      return List.of();
    }
    List<Map.Entry<String, String>> headers = new ArrayList<>();
    if (!answer.cacheControl().isEmpty()) {
      headers.add(Map.entry("Cache-Control", answer.cacheControl()));
    }
    if (fetchedForThisRequest) {
      answer.setCookies().forEach(cookie -> headers.add(Map.entry("Set-Cookie", cookie)));
    }
    return headers;
  }

  /** Takes up to {@code ttlJitter} off the TTL at random, never more, never adding. */
  private Duration jittered(Duration ttl) {
    long cut = (long) (ttl.toMillis() * policy.ttlJitter() * random.nextDouble());
    return ttl.minusMillis(cut);
  }

  /** A random number in (0, 1], as XFetch's logarithm needs. */
  private double uniform() {
    return 1.0 - random.nextDouble();
  }

  private CompletableFuture<Boolean> acquire(CacheKey key) {
    return lease
        .tryAcquire(key, LEASE_TTL)
        .handle(
            (acquired, failure) -> {
              if (failure != null) {
                // A full store refused the lease (counted and logged there): fetch alone too.
                if (Failures.unwrap(failure) instanceof WriteRefusedException) {
                  return true;
                }
                metrics.storeFailure("lease");
                leaseLog.failed(
                    "taking the fetch lease on " + key + ": " + message(failure),
                    "fetches shared within this instance only");
                return true;
              }
              leaseLog.succeeded();
              return acquired;
            });
  }

  /** Renews a lease every {@link #LEASE_RENEWAL} until {@link #stop()}. */
  private final class LeaseKeeper implements Runnable {
    private final CacheKey key;
    private volatile boolean stopped;

    LeaseKeeper(CacheKey key) {
      this.key = key;
    }

    void schedule() {
      scheduler.schedule(LEASE_RENEWAL, this);
    }

    void stop() {
      stopped = true;
    }

    @Override
    public void run() {
      if (!stopped) {
        lease.renew(key, LEASE_TTL).whenComplete((renewed, failure) -> schedule());
      }
    }
  }

  private void release(CacheKey key) {
    lease.release(key).exceptionally(failure -> null);
  }

  private CompletableFuture<Optional<CachedResponse>> lookup(CacheKey key) {
    return store
        .get(key)
        .handle(
            (found, failure) -> {
              if (failure != null) {
                metrics.storeFailure(store.tier());
                storeLog.failed("reading " + key + ": " + message(failure), "from the upstream");
                return Optional.empty();
              }
              storeLog.succeeded();
              return found;
            });
  }

  private CompletableFuture<Boolean> save(CacheKey key, CachedResponse entry) {
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
            storeLog.failed(
                "writing " + key + ": " + message(failure), "upstream answers uncached");
            return false;
          }
          storeLog.succeeded();
          return stored;
        });
  }

  private static String message(Throwable failure) {
    Throwable cause = Failures.unwrap(failure);
    return cause.getMessage() == null ? cause.getClass().getSimpleName() : cause.getMessage();
  }
}
