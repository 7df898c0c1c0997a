package cachegate.engine;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The shared lease as this instance sees it: held by another instance until that holder dies; then
 * this instance takes, renews and releases it like any lease, or fails to renew and release it when
 * told. Each try reads {@code store}, as the shared store would be read.
 */
final class PeerLease implements FetchLease {
  private final ResponseStore store;
  private final AtomicInteger attempts = new AtomicInteger();
  private final AtomicInteger releases = new AtomicInteger();
  private final AtomicInteger renewals = new AtomicInteger();
  private final AtomicInteger lookups = new AtomicInteger();
  private final boolean oneStep;
  private volatile boolean heldElsewhere;
  private volatile StoreException callsFail;
  private boolean heldHere;

  PeerLease(ResponseStore store) {
    this(store, false);
  }

  private PeerLease(ResponseStore store, boolean oneStep) {
    this.store = store;
    this.oneStep = oneStep;
  }

  /**
   * A lease that lives beside {@code store}'s entries, as in Redis: a lookup reads the entry and,
   * when there is none, tries the lease in the same step.
   */
  static PeerLease besideEntriesOf(ResponseStore store) {
    return new PeerLease(store, true);
  }

  int lookups() {
    return lookups.get();
  }

  void holdElsewhere() {
    heldElsewhere = true;
  }

  void holderDies() {
    heldElsewhere = false;
  }

  int attempts() {
    return attempts.get();
  }

  int releases() {
    return releases.get();
  }

  int renewals() {
    return renewals.get();
  }

  /** Fails every later renewal and release with {@code failure}, as a lease on a failing store. */
  void failRenewalsAndReleases(StoreException failure) {
    callsFail = failure;
  }

  synchronized boolean heldHere() {
    return heldHere;
  }

  @Override
  public synchronized CompletableFuture<Attempt> tryAcquire(CacheKey key, Duration time) {
    attempts.incrementAndGet();
    boolean acquired = !heldElsewhere && !heldHere;
    heldHere |= acquired;
    return store.get(key).thenApply(found -> new Attempt(acquired, found));
  }

  @Override
  public boolean reads(ResponseStore read) {
    return oneStep && read == store;
  }

  @Override
  public CompletableFuture<Lookup> lookup(CacheKey key, Duration time) {
    lookups.incrementAndGet();
    return store
        .get(key)
        .thenApply(
            found -> {
              if (found.isPresent()) {
                return Lookup.read(found);
              }
              synchronized (this) {
                if (heldHere) {
                  return Lookup.read(found);
                }
                if (heldElsewhere) {
                  return Lookup.nothingStored(Claim.HELD_BY_PEER);
                }
                heldHere = true;
                return Lookup.nothingStored(Claim.TAKEN);
              }
            });
  }

  @Override
  public CompletableFuture<Boolean> renew(CacheKey key, Duration time) {
    renewals.incrementAndGet();
    StoreException failure = callsFail;
    return failure == null
        ? CompletableFuture.completedFuture(true)
        : CompletableFuture.failedFuture(failure);
  }

  @Override
  public synchronized CompletableFuture<Void> release(CacheKey key) {
    StoreException failure = callsFail;
    if (failure != null) {
      return CompletableFuture.failedFuture(failure);
    }
    if (heldHere) {
      heldHere = false;
      releases.incrementAndGet();
    }
    return CompletableFuture.completedFuture(null);
  }
}
