package cachegate.engine;

import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.function.Function;
import java.util.random.RandomGenerator;

/**
 * Serves one route's answers from a {@link ResponseStore}, going to the {@link Upstream} only when
 * nothing usable is stored, and then at most once per key at a time.
 *
 * <p>Threading: every method is thread-safe and non-blocking. Futures complete on whichever thread
 * completed the store, lease or upstream call; callers that care (the HTTP layer) hop back to their
 * own thread. Concurrent fetches for one key are joined by a {@link Coalescer} in this process, and
 * across processes by a {@link SharedFetch}.
 *
 * <p>An upstream answer too large to keep in memory is passed on as it arrives ({@link
 * PassThrough}) to the request that fetched it, and never stored; requests that had joined that
 * fetch make one of their own, and a background refresh that meets one drops it.
 *
 * <p>Failures: the store is read and written through a {@link FailOpenStore}, so a failing store is
 * a miss on read and a skipped write on write, counted and logged once per outage; a failing lease
 * means "fetch it yourself". Neither fails a request the upstream can answer. A failing upstream
 * falls back to a stored entry within stale-if-error; otherwise the returned future fails with
 * {@link UpstreamException}. A failed or invalid upstream answer is never stored, so it never
 * replaces a good entry.
 *
 * <p>Every answer and failure is recorded in {@link CacheMetrics} (guarded: a broken metrics
 * implementation never fails a request). After {@link #close()} no background refresh starts.
 *
 * <p>Tracing: {@link #get(CacheKey, Span)} records its steps under the request's span: a {@code
 * cachegate.lookup} span for the store lookup, and on a fetch the spans {@link SharedFetch} makes
 * (lease, upstream call, store write); a background refresh a hit starts is a {@code
 * cachegate.refresh} span with those under it. The request's span gets the {@code cachegate.*}
 * attributes (route, key, outcome, tier) and, when the entry it serves was fetched by another
 * traced request, a link to that request's upstream call. With {@link Span#none()} nothing of this
 * allocates.
 */
public final class CacheEngine {
  private static final Logger LOG = System.getLogger(CacheEngine.class.getName());

  // Attributes of the request's span.
  static final String ROUTE = "cachegate.route";
  static final String KEY = "cachegate.key";
  static final String OUTCOME = "cachegate.outcome";
  static final String TIER = "cachegate.tier";
  static final String COLLAPSED = "cachegate.collapsed";
  static final String FOUND = "cachegate.found";

  private final CacheMetrics metrics;
  private final FailOpenStore store;
  private final SharedFetch fetcher;
  private final FetchLease lease;
  private final SharedFetch refresher;
  private final CachePolicy policy;
  private final InstantSource clock;
  private final RandomGenerator random;
  private final Coalescer<CacheKey, Fetched> fetches = new Coalescer<>();
  private volatile boolean closed;

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
    this.store =
        new FailOpenStore(
            store,
            new OutageLog("cache store"),
            "answers from the upstream without storing them",
            this.metrics);
    FailOpenStore shared = this.store;
    CacheMetrics counted = this.metrics;
    // One log for requests and background refreshes: an upstream outage is one line.
    OutageLog upstreamLog = new OutageLog(upstream.describe());
    Function<Upstream, SharedFetch> sharing =
        asked ->
            new SharedFetch(
                shared,
                asked,
                upstreamLog,
                lease,
                policy,
                clock,
                random,
                fetchTimeout,
                scheduler,
                counted);
    this.fetcher = sharing.apply(upstream);
    // Background refreshes call the upstream as such: they yield the last of its rate budget.
    this.refresher = sharing.apply(upstream.inBackground());
    this.lease = lease;
    this.policy = policy;
    this.clock = clock;
    this.random = random;
  }

  /** The answer for {@code key}, as described in the class comment. */
  public CompletableFuture<Answer> get(CacheKey key) {
    return get(key, Span.none());
  }

  /** The answer for {@code key}, its steps recorded under {@code span} (see the class comment). */
  public CompletableFuture<Answer> get(CacheKey key, Span span) {
    span.attribute(ROUTE, key.route()).attribute(KEY, key.redisKey());
    return decide(key, span)
        .whenComplete(
            (answer, failure) -> {
              if (failure == null) {
                metrics.record(answer);
                traced(span, answer);
              } else {
                metrics.error(key.route());
                span.failed(failure);
              }
            });
  }

  /**
   * Looks the key up; a key that is not stored has its fetch lease tried in the same step where the
   * store can, so that a miss makes one call to a shared store before the upstream call.
   */
  private CompletableFuture<Answer> decide(CacheKey key, Span span) {
    Span lookup = span.child("cachegate.lookup", Span.Kind.INTERNAL);
    return store
        .lookup(key, lease, SharedFetch.LEASE_TTL)
        .thenCompose(
            found -> {
              String tier = found.tier().isEmpty() ? store.tier() : found.tier();
              lookup.attribute(FOUND, found.stored().isPresent()).attribute(TIER, tier).end();
              span.attribute(TIER, tier);
              return decide(key, found.stored(), found.claim(), span);
            });
  }

  /**
   * What the request's span says of its answer: the outcome, where it came from (a fetched answer:
   * {@code upstream}) and, when the entry was fetched by another trace, a link to it.
   */
  private static void traced(Span span, Answer answer) {
    CacheOutcome outcome = answer.outcome();
    span.attribute(OUTCOME, outcome.header());
    if (outcome == CacheOutcome.MISS || outcome == CacheOutcome.REVALIDATED) {
      span.attribute(TIER, "upstream");
    }
    if (answer instanceof CacheResult result) {
      TraceLink fetchedBy = result.entry().fetchedBy();
      if (result.collapsed()) {
        span.attribute(COLLAPSED, true);
      }
      if (fetchedBy.isPresent() && !fetchedBy.traceId().equals(span.reference().traceId())) {
        span.link(fetchedBy);
      }
    }
  }

  private CompletableFuture<Answer> decide(
      CacheKey key, Optional<CachedResponse> found, FetchLease.Claim claim, Span span) {
    // Nothing stored (or the store failed): fetch, sharing one fetch per key.
    if (found.isEmpty()) {
      return fetch(key, found, CacheOutcome.MISS, claim, span);
    }
    CachedResponse entry = found.get();
    Instant now = clock.instant();
    return switch (Freshness.assess(entry, now, policy)) {
      // Fresh: serve it; a key near expiry may start its refresh early (XFetch).
      case FRESH -> {
        if (Freshness.refreshEarly(entry, now, policy, uniform())) {
          refreshInBackground(key, entry, span);
        }
        yield CompletableFuture.completedFuture(
            served(key, entry, now, CacheOutcome.HIT, OptionalInt.empty()));
      }
      // Within stale-while-revalidate: serve it at once, refresh once in the background.
      case STALE_REVALIDATE -> {
        refreshInBackground(key, entry, span);
        yield CompletableFuture.completedFuture(
            served(key, entry, now, CacheOutcome.STALE, OptionalInt.empty()));
      }
      // Within stale-if-error: fetch, and serve the entry if the upstream fails.
      case STALE_IF_ERROR ->
          fetch(key, found, CacheOutcome.REVALIDATED, claim, span)
              .handle(
                  (answer, failure) -> answer != null ? answer : staleIfError(key, entry, failure));
      // Too old for anything: fetch as if nothing were stored.
      case EXPIRED -> fetch(key, found, CacheOutcome.REVALIDATED, claim, span);
    };
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

  private Answer staleIfError(CacheKey key, CachedResponse entry, Throwable failure) {
    Throwable cause = Failures.unwrap(failure);
    if (!(cause instanceof UpstreamException upstreamFailure)) {
      throw new CompletionException(cause);
    }
    return served(
        key, entry, clock.instant(), CacheOutcome.STALE_IF_ERROR, upstreamFailure.upstreamStatus());
  }

  /**
   * Joins the key's fetch, or starts it. A request that joined a fetch whose answer was passed on
   * to the request that made it makes a fetch of its own.
   */
  private CompletableFuture<Answer> fetch(
      CacheKey key,
      Optional<CachedResponse> previous,
      CacheOutcome outcome,
      FetchLease.Claim claim,
      Span span) {
    // A request that joins a flight leaves any lease its lookup took to that flight: a lease this
    // instance holds counts as taken by that flight's next try, and is released when it ends.
    Coalescer.Flight<Fetched> flight =
        fetches.join(key, () -> fetcher.fetch(key, previous, claim, span), Fetched::finish);
    CompletableFuture<Fetched> running = flight.result();
    if (!flight.leader() && isBeingStored(running)) {
      // The answer arrived before this request and is being written: it is served like a hit.
      CachedResponse entry = running.join().entry().get();
      return CompletableFuture.completedFuture(
          served(key, entry, clock.instant(), CacheOutcome.HIT, OptionalInt.empty()));
    }
    return running.thenCompose(
        fetched -> {
          if (fetched.entry().isPresent() || flight.leader()) {
            return CompletableFuture.completedFuture(
                fetched.answer(key, flight.leader(), outcome, clock.instant(), policy));
          }
          // The answer went to the request that fetched it, as it arrived: fetch one for this.
          return fetcher.fetchAlone(key, span).thenApply(own -> ownAnswer(key, own, outcome));
        });
  }

  private static boolean isBeingStored(CompletableFuture<Fetched> running) {
    return running.isDone()
        && !running.isCompletedExceptionally()
        && running.join().entry().isPresent();
  }

  private Answer ownAnswer(CacheKey key, Fetched own, CacheOutcome outcome) {
    own.finish();
    return own.answer(key, true, outcome, clock.instant(), policy);
  }

  /** Stops starting background refreshes (at shutdown); requests are still answered. */
  public void close() {
    closed = true;
  }

  private void refreshInBackground(CacheKey key, CachedResponse entry, Span span) {
    if (closed) {
      return;
    }
    Span refresh = span.child("cachegate.refresh", Span.Kind.INTERNAL);
    Coalescer.Flight<Fetched> flight =
        fetches.join(key, () -> refresher.fetch(key, Optional.of(entry), refresh), Fetched::finish);
    if (flight.leader()) {
      flight.result().whenComplete((fetched, failure) -> refreshed(key, fetched, failure, refresh));
    } else {
      refresh.attribute(COLLAPSED, true).end();
    }
  }

  private static void refreshed(CacheKey key, Fetched fetched, Throwable failure, Span refresh) {
    if (failure != null) {
      refresh.failed(failure);
    }
    refresh.end();
    if (failure == null) {
      // No client waits for an answer too large to keep: the entry stays as it is.
      fetched.upstream().map(UpstreamResponse::body).ifPresent(CacheEngine::discard);
    } else if (!(Failures.unwrap(failure) instanceof UpstreamException)) {
      // Upstream failures are logged by the outage log; anything else is a bug.
      LOG.log(Level.ERROR, "background refresh of " + key + " failed", Failures.unwrap(failure));
    }
  }

  private static void discard(UpstreamBody body) {
    if (body instanceof UpstreamBody.Streamed streamed) {
      streamed.discard();
    }
  }

  /** A random number in (0, 1], as XFetch's logarithm needs. */
  private double uniform() {
    return 1.0 - random.nextDouble();
  }
}
