package cachegate.engine;

import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;
import java.util.random.RandomGenerator;

/**
 * One upstream fetch per key for every instance that shares the store: the instance that takes the
 * key's {@link FetchLease} (with the lookup that found the key missing, or with a later try)
 * fetches; the others try the lease again every {@link #PEER_POLL}, each try reading the key's
 * entry too ({@link FetchLease.Attempt}), and serve the holder's answer once it is stored. They
 * fetch themselves when the lease is gone without an answer (its holder renews it while it fetches,
 * so a lease left behind lapses within {@link #LEASE_TTL}), or once they have waited the upstream
 * timeout plus {@link #LEASE_TTL}, measured on the injected clock.
 *
 * <p>Failures: a lease that cannot be tried (store failing, or full) means "fetch yourself", and
 * the lease is renewed and released as if taken, in case the try reached the store after all. A
 * failure to take, renew or release a lease is counted as a {@code lease} store failure and logged
 * once per outage; a lease refused by a full store was counted and logged by the store.
 * Thread-safe; futures complete on the thread that completed the lease or upstream call.
 *
 * <p>Tracing: each fetch records, under the span it is given, a {@code cachegate.lease} span (from
 * the start until the lease is taken, a peer's answer is read or the wait is over), the upstream
 * call's {@code GET} span (which the upstream request carries to the upstream) and, once the answer
 * is served, a {@code cachegate.store.write} span. The entry keeps the upstream call's span as
 * {@link CachedResponse#fetchedBy()}.
 */
final class SharedFetch {
  /**
   * How often an instance waiting for another's fetch tries the lease and reads the entry again.
   */
  static final Duration PEER_POLL = Duration.ofMillis(20);

  /** How long a fetch lease lasts unless its holder renews it. */
  static final Duration LEASE_TTL = Duration.ofSeconds(2);

  /** How often a holder renews its lease while it fetches. */
  static final Duration LEASE_RENEWAL = Duration.ofMillis(600);

  private final FailOpenStore store;
  private final Upstream upstream;
  private final FetchLease lease;
  private final CachePolicy policy;
  private final InstantSource clock;
  private final RandomGenerator random;
  private final Duration longestWait;
  private final Scheduler scheduler;
  private final CacheMetrics metrics;
  private final OutageLog leaseLog = new OutageLog("fetch lease in the cache store");
  private final OutageLog upstreamLog;

  /**
   * @param upstreamLog where the upstream's failures and recoveries are logged, once per outage
   * @param fetchTimeout the longest an upstream fetch takes; no instance waits for another's fetch
   *     much longer
   */
  SharedFetch(
      FailOpenStore store,
      Upstream upstream,
      OutageLog upstreamLog,
      FetchLease lease,
      CachePolicy policy,
      InstantSource clock,
      RandomGenerator random,
      Duration fetchTimeout,
      Scheduler scheduler,
      CacheMetrics metrics) {
    this.store = store;
    this.upstream = upstream;
    this.upstreamLog = upstreamLog;
    this.lease = lease;
    this.policy = policy;
    this.clock = clock;
    this.random = random;
    this.longestWait = fetchTimeout.plus(LEASE_TTL);
    this.scheduler = scheduler;
    this.metrics = metrics;
  }

  /**
   * Takes the lease and fetches, or waits for the lease holder's answer to appear in the store. An
   * answer counts when it is newer than {@code previous}.
   */
  CompletableFuture<Fetched> fetch(CacheKey key, Optional<CachedResponse> previous, Span span) {
    return fetch(key, previous, FetchLease.Claim.NOT_TRIED, span);
  }

  /**
   * As above, after a lookup that found nothing stored and tried the lease as {@code claim} says,
   * so that the lease is not tried again at once.
   */
  CompletableFuture<Fetched> fetch(
      CacheKey key, Optional<CachedResponse> previous, FetchLease.Claim claim, Span span) {
    Instant deadline = clock.instant().plus(longestWait);
    Span leasing = span.child("cachegate.lease", Span.Kind.INTERNAL);
    return switch (claim) {
      // The lookup took the lease, finding nothing stored: fetch, holding it.
      case TAKEN -> {
        leaseLog.succeeded();
        decided(leasing, "taken");
        yield fetchHolding(key, previous, span);
      }
      // A peer holds the lease: its answer is not stored yet; try again shortly.
      case HELD_BY_PEER -> {
        leaseLog.succeeded();
        yield later(PEER_POLL)
            .thenCompose(ignored -> tryLease(key, previous, deadline, span, leasing));
      }
      // Not tried with the lookup: try now.
      case NOT_TRIED -> tryLease(key, previous, deadline, span, leasing);
    };
  }

  private CompletableFuture<Fetched> tryLease(
      CacheKey key, Optional<CachedResponse> previous, Instant deadline, Span span, Span leasing) {
    return lease
        .tryAcquire(key, LEASE_TTL)
        .handle(
            (attempt, failure) ->
                failure == null
                    ? next(key, previous, deadline, attempt, span, leasing)
                    : withoutLease(key, previous, failure, span, leasing))
        .thenCompose(Function.identity());
  }

  private CompletableFuture<Fetched> next(
      CacheKey key,
      Optional<CachedResponse> previous,
      Instant deadline,
      FetchLease.Attempt attempt,
      Span span,
      Span leasing) {
    leaseLog.succeeded();
    // A peer's answer, newer than what this request had: serve it.
    if (isNewer(attempt.stored(), previous)) {
      if (attempt.acquired()) {
        release(key);
      }
      decided(leasing, "peer-answered");
      return CompletableFuture.completedFuture(Fetched.byPeer(attempt.stored().get()));
    }
    // Holding the lease: fetch, keeping the lease until the answer is in the store, so that peers
    // wait for it there instead of fetching it again.
    if (attempt.acquired()) {
      decided(leasing, "taken");
      return fetchHolding(key, previous, span);
    }
    // A peer is fetching: try again shortly, until the deadline.
    if (clock.instant().isBefore(deadline)) {
      return later(PEER_POLL)
          .thenCompose(ignored -> tryLease(key, previous, deadline, span, leasing));
    }
    // Waited long enough: fetch, without the lease.
    decided(leasing, "waited-out");
    return fetchAlone(key, previous, span);
  }

  /** Ends the lease's span with how the wait for it ended. */
  private static void decided(Span leasing, String result) {
    leasing.attribute("cachegate.lease.result", result).end();
  }

  /**
   * The try for the lease failed: fetch. A try that timed out here may still have taken the lease
   * in the store, so it is renewed and released as if taken (both touch only this instance's own
   * lease): peers then wait for this answer instead of fetching again once an unrenewed lease
   * lapses.
   */
  private CompletableFuture<Fetched> withoutLease(
      CacheKey key, Optional<CachedResponse> previous, Throwable failure, Span span, Span leasing) {
    leaseFailed("taking", key, failure);
    leasing.failed(failure);
    decided(leasing, "failed");
    return fetchHolding(key, previous, span);
  }

  private static boolean isNewer(
      Optional<CachedResponse> found, Optional<CachedResponse> previous) {
    return found.isPresent()
        && (previous.isEmpty() || found.get().storedAt().isAfter(previous.get().storedAt()));
  }

  private CompletableFuture<Void> later(Duration delay) {
    CompletableFuture<Void> due = new CompletableFuture<>();
    scheduler.schedule(delay, () -> due.complete(null));
    return due;
  }

  private CompletableFuture<Fetched> fetchHolding(
      CacheKey key, Optional<CachedResponse> previous, Span span) {
    LeaseKeeper keeper = new LeaseKeeper(key);
    return fetchAlone(key, previous, span)
        .whenComplete(
            (fetched, failure) -> {
              if (failure != null) {
                keeper.letGo();
              }
            })
        .thenApply(fetched -> fetched.andThen(keeper::letGo));
  }

  /**
   * Asks the upstream unconditionally, without a lease, as {@link #fetchAlone(CacheKey, Optional,
   * Span)}.
   */
  CompletableFuture<Fetched> fetchAlone(CacheKey key, Span span) {
    return fetchAlone(key, Optional.empty(), span);
  }

  /**
   * Asks the upstream, without a lease, conditionally when {@code previous} has validators (RFC
   * 9111 §4.3.1): its answer is written to the store once served (see {@link Fetched#afterwards})
   * if it may be kept, and passed on as it arrives if it is too large. A {@code 304} renews {@code
   * previous}: its body is stored again, received now, with a new TTL.
   */
  private CompletableFuture<Fetched> fetchAlone(
      CacheKey key, Optional<CachedResponse> previous, Span span) {
    long started = System.nanoTime();
    Validators validators = previous.map(CachedResponse::validators).orElse(Validators.NONE);
    Span call = span.child("GET", Span.Kind.CLIENT);
    return upstream
        .fetch(key, validators, call)
        .thenCompose(answer -> conditional(key, answer, validators))
        .whenComplete(
            (answer, failure) -> {
              if (failure != null) {
                call.failed(failure);
              }
              call.end();
              if (notAsked(failure)) {
                // No call was made (breaker open, queue full, rate budget spent): nothing to count
                // as an upstream call, and no news of the upstream's health for its outage log.
                return;
              }
              metrics.upstreamCall(
                  key.route(), Duration.ofNanos(System.nanoTime() - started), failure == null);
              if (failure == null) {
                upstreamLog.succeeded();
                if (answer.isNotModified()) {
                  metrics.upstreamNotModified(key.route());
                }
              } else {
                upstreamLog.failed(Failures.describe(failure), "stale entries or errors (502/504)");
              }
            })
        .thenApply(
            answer ->
                answer.isNotModified()
                    ? renewed(key, previous.orElseThrow(), answer, took(started), span)
                    : kept(key, answer, took(started), span, call));
  }

  private static Duration took(long started) {
    return Duration.ofMillis(Duration.ofNanos(System.nanoTime() - started).toMillis());
  }

  /** RFC 9110 §15.4.5: a 304 answers a conditional request only; to any other it is an error. */
  private static CompletableFuture<UpstreamResponse> conditional(
      CacheKey key, UpstreamResponse answer, Validators validators) {
    if (answer.isNotModified() && !validators.isPresent()) {
      giveBack(answer);
      return CompletableFuture.failedFuture(
          UpstreamException.badStatus("for " + key.redisKey(), answer.status()));
    }
    return CompletableFuture.completedFuture(answer);
  }

  /**
   * The stored answer, renewed by a 304 (RFC 9111 §4.3.4): the same body and status, received now
   * with the route's current TTL for its status, and written to the store like any answer. A status
   * the route no longer caches is served once more and not stored.
   */
  private Fetched renewed(
      CacheKey key,
      CachedResponse previous,
      UpstreamResponse notModified,
      Duration took,
      Span span) {
    giveBack(notModified);
    Instant now = clock.instant();
    Optional<Duration> ttl = ttl(previous.status(), notModified, now);
    CachedResponse entry =
        previous.renewed(
            now, ttl.map(this::jittered).orElse(Duration.ZERO), took, notModified.validators());
    if (ttl.isEmpty()
        || ttl.get().isZero()
        || !notModified.isStorable(policy.upstreamPrivate())
        || !store.keepsEntries()) {
      return new Fetched(
          Optional.of(entry), false, false, Optional.of(notModified), () -> Fetched.DONE);
    }
    return new Fetched(
        Optional.of(entry),
        !store.isFailing(),
        false,
        Optional.of(notModified),
        () -> written(span, store.put(key, entry, policy.retention(entry.status()))));
  }

  /** Gives back the memory of a body that is not served. */
  private static void giveBack(UpstreamResponse answer) {
    if (answer.body() instanceof UpstreamBody.Whole whole) {
      whole.release().run();
    }
  }

  /**
   * An answer as it is served and, when the route caches its status and it may be stored, kept for
   * the route's TTL of that status.
   */
  private Fetched kept(CacheKey key, UpstreamResponse answer, Duration took, Span span, Span call) {
    if (!(answer.body() instanceof UpstreamBody.Whole whole)) {
      return Fetched.passedOn(answer);
    }
    Instant now = clock.instant();
    Optional<Duration> ttl = ttl(answer.status(), answer, now);
    CachedResponse entry =
        new CachedResponse(
            answer.status(),
            answer.contentType(),
            whole.body(),
            now,
            ttl.map(this::jittered).orElse(Duration.ZERO),
            took,
            answer.validators(),
            call.reference());
    if (ttl.isEmpty()
        || ttl.get().isZero()
        || !answer.isStorable(policy.upstreamPrivate())
        || whole.bytes().length > policy.maxEntryBytes()
        || !store.keepsEntries()) {
      return new Fetched(
          Optional.of(entry),
          false,
          false,
          Optional.of(answer),
          () -> {
            whole.release().run();
            return Fetched.DONE;
          });
    }
    // Written once the answer is served: a miss does not wait for the store, so "stored" is what
    // is expected of a store that has not been failing.
    return new Fetched(
        Optional.of(entry),
        !store.isFailing(),
        false,
        Optional.of(answer),
        () ->
            written(span, store.put(key, entry, policy.retention(entry.status())))
                .whenComplete((saved, failure) -> whole.release().run()));
  }

  /** {@code write} traced as a child of {@code span}. */
  private static CompletableFuture<Boolean> written(Span span, CompletableFuture<Boolean> write) {
    Span traced = span.child("cachegate.store.write", Span.Kind.INTERNAL);
    return write.whenComplete(
        (saved, failure) -> {
          if (failure != null) {
            traced.failed(failure);
          } else {
            traced.attribute("cachegate.stored", saved);
          }
          traced.end();
        });
  }

  /**
   * The freshness lifetime of an answer of {@code status} ({@code answer}, or a 304 renewing one):
   * the route's for its status, or for a 2xx the upstream's when the route takes it from there
   * ({@link UpstreamTtl}); empty for a status the route does not cache.
   */
  private Optional<Duration> ttl(int status, UpstreamResponse answer, Instant now) {
    Optional<Duration> configured = policy.ttlFor(status);
    if (configured.isEmpty()
        || policy.ttlFrom() == CachePolicy.TtlFrom.ROUTE
        || status < 200
        || status > 299) {
      return configured;
    }
    return Optional.of(UpstreamTtl.of(answer, now, policy.ttl(), policy.maxTtl()));
  }

  /** Takes up to {@code ttlJitter} off the TTL at random, never more, never adding. */
  private Duration jittered(Duration ttl) {
    long cut = (long) (ttl.toMillis() * policy.ttlJitter() * random.nextDouble());
    return ttl.minusMillis(cut);
  }

  private void release(CacheKey key) {
    lease
        .release(key)
        .whenComplete(
            (released, failure) -> {
              if (failure != null) {
                leaseFailed("releasing", key, failure);
              }
            });
  }

  /**
   * Counts and logs (once per outage) a lease call that failed; a full store that refused the lease
   * has counted and logged that itself.
   */
  private void leaseFailed(String doing, CacheKey key, Throwable failure) {
    if (Failures.unwrap(failure) instanceof WriteRefusedException) {
      return;
    }
    metrics.storeFailure("lease");
    leaseLog.failed(
        doing + " the fetch lease on " + key + ": " + Failures.describe(failure),
        "fetches shared within this instance only");
  }

  /** Renews a lease every {@link #LEASE_RENEWAL} from its creation until {@link #letGo()}. */
  private final class LeaseKeeper implements Runnable {
    private final CacheKey key;
    private volatile boolean stopped;

    LeaseKeeper(CacheKey key) {
      this.key = key;
      scheduler.schedule(LEASE_RENEWAL, this);
    }

    /** Stops renewing and releases the lease. */
    void letGo() {
      stopped = true;
      release(key);
    }

    @Override
    public void run() {
      if (stopped) {
        return;
      }
      lease
          .renew(key, LEASE_TTL)
          .whenComplete(
              (renewed, failure) -> {
                if (failure != null) {
                  leaseFailed("renewing", key, failure);
                }
                scheduler.schedule(LEASE_RENEWAL, this);
              });
    }
  }

  private static boolean notAsked(Throwable failure) {
    return failure != null
        && Failures.unwrap(failure) instanceof UpstreamException refused
        && refused.kind() == UpstreamException.Kind.UNAVAILABLE;
  }
}
