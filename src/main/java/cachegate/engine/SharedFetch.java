package cachegate.engine;

import java.time.Duration;
import java.time.InstantSource;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.random.RandomGenerator;

/**
 * One upstream fetch per key for every instance that shares the store: the instance that takes the
 * key's {@link FetchLease} fetches, the others look for its answer in the store every {@link
 * #PEER_POLL} and fetch themselves only when the lease is gone without an answer (its holder renews
 * it while it fetches, so a lease left behind lapses within {@link #LEASE_TTL}), or after the
 * upstream timeout.
 *
 * <p>It relies on one property of the store: a read sent after the lease try, on the same
 * connection, sees what a peer wrote before it let go of the lease (Redis runs one connection's
 * commands in order, and an entry and its lease share a hash slot).
 *
 * <p>Failures: a lease that cannot be taken (store failing, or full) means "fetch yourself", logged
 * once per outage. Thread-safe; futures complete on the thread that completed the store, lease or
 * upstream call.
 */
final class SharedFetch {
  /** How often an instance waiting for another's fetch looks for the answer in the store. */
  static final Duration PEER_POLL = Duration.ofMillis(20);

  /** How long a fetch lease lasts unless its holder renews it. */
  static final Duration LEASE_TTL = Duration.ofSeconds(2);

  /** How often a holder renews its lease while it fetches. */
  static final Duration LEASE_RENEWAL = Duration.ofMillis(600);

  private final StoreCalls store;
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
   * @param fetchTimeout the longest an upstream fetch takes; no instance waits for another's fetch
   *     much longer
   */
  SharedFetch(
      StoreCalls store,
      Upstream upstream,
      FetchLease lease,
      CachePolicy policy,
      InstantSource clock,
      RandomGenerator random,
      Duration fetchTimeout,
      Scheduler scheduler,
      CacheMetrics metrics) {
    this.store = store;
    this.upstream = upstream;
    this.upstreamLog = new OutageLog(upstream.describe());
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
  CompletableFuture<Fetched> fetch(CacheKey key, Optional<CachedResponse> previous) {
    return fetch(key, previous, System.nanoTime() + longestWait.toNanos());
  }

  private CompletableFuture<Fetched> fetch(
      CacheKey key, Optional<CachedResponse> previous, long deadlineNanos) {
    // The entry is read together with the try for the lease, not after its answer: see the class
    // comment for why the read sees what a peer wrote before letting go of the lease.
    CompletableFuture<Boolean> taken = acquire(key);
    CompletableFuture<Optional<CachedResponse>> stored = store.lookup(key);
    return taken.thenCompose(
        acquired ->
            stored.thenCompose(found -> next(key, previous, deadlineNanos, acquired, found)));
  }

  private CompletableFuture<Fetched> next(
      CacheKey key,
      Optional<CachedResponse> previous,
      long deadlineNanos,
      boolean acquired,
      Optional<CachedResponse> found) {
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
      return later.thenCompose(ignored -> fetch(key, previous, deadlineNanos));
    }
    // Holding the lease (or waited long enough): fetch. The lease is kept until the answer is in
    // the store, so that peers wait for it there instead of fetching it again.
    LeaseKeeper keeper = new LeaseKeeper(key);
    keeper.schedule();
    Runnable letGo =
        () -> {
          keeper.stop();
          release(key);
        };
    return fetchAlone(key)
        .whenComplete(
            (fetched, failure) -> {
              if (failure != null) {
                letGo.run();
              }
            })
        .thenApply(fetched -> fetched.andThen(letGo));
  }

  private static boolean isNewer(
      Optional<CachedResponse> found, Optional<CachedResponse> previous) {
    return found.isPresent()
        && (previous.isEmpty() || found.get().storedAt().isAfter(previous.get().storedAt()));
  }

  /**
   * Asks the upstream, without a lease: its answer is written to the store once served (see {@link
   * Fetched#afterwards}) if it may be kept, and passed on as it arrives if it is too large.
   */
  CompletableFuture<Fetched> fetchAlone(CacheKey key) {
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
                upstreamLog.failed(
                    StoreCalls.message(failure), "stale entries or errors (502/504)");
              }
            })
        .thenApply(answer -> kept(key, answer, Duration.ofNanos(System.nanoTime() - started)));
  }

  private Fetched kept(CacheKey key, UpstreamResponse answer, Duration took) {
    if (!(answer.body() instanceof UpstreamBody.Whole whole)) {
      return Fetched.passedOn(answer);
    }
    CachedResponse entry =
        new CachedResponse(
            answer.status(),
            answer.contentType(),
            ResponseBody.of(whole.bytes()),
            clock.instant(),
            jittered(policy.ttl()),
            Duration.ofMillis(took.toMillis()));
    if (!answer.isStorable()
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
        () -> store.save(key, entry).whenComplete((saved, failure) -> whole.release().run()));
  }

  /** Takes up to {@code ttlJitter} off the TTL at random, never more, never adding. */
  private Duration jittered(Duration ttl) {
    long cut = (long) (ttl.toMillis() * policy.ttlJitter() * random.nextDouble());
    return ttl.minusMillis(cut);
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
                    "taking the fetch lease on " + key + ": " + StoreCalls.message(failure),
                    "fetches shared within this instance only");
                return true;
              }
              leaseLog.succeeded();
              return acquired;
            });
  }

  private void release(CacheKey key) {
    lease.release(key).exceptionally(failure -> null);
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
}
