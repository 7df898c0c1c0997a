package cachegate.engine;

import java.time.Duration;
import java.time.InstantSource;
import java.util.concurrent.CompletableFuture;

/**
 * A {@link RateBudget} kept in this process, on the injected clock: the budget of a single instance
 * ({@code CACHE_TYPE=simple}), and each instance's share while the shared one cannot be reached
 * ({@link #take(Priority, int)}). A sliding-window log ({@link SlidingWindow}), a pause, and a cap
 * learned from the upstream. Thread-safe: one lock, held for a few arithmetic steps.
 */
public final class LocalRateBudget implements RateBudget {
  private final RateLimit limit;
  private final InstantSource clock;
  private final SlidingWindow window = new SlidingWindow();
  private long pausedUntil;
  private long capLeft;
  private long capUntil;
  private long lastRemaining = -1;
  private RateLimit policy = RateLimit.NONE;
  private long policyUntil;

  public LocalRateBudget(RateLimit limit, InstantSource clock) {
    if (!limit.isLimited()) {
      throw new IllegalArgumentException("a rate budget needs a limit, was " + limit);
    }
    this.limit = limit;
    this.clock = clock;
  }

  @Override
  public CompletableFuture<Grant> take(Priority priority) {
    return CompletableFuture.completedFuture(take(priority, 1));
  }

  /**
   * Takes from this instance's share when {@code instances} share the limit: {@code limit /
   * instances} calls a period (at least one), so that together they spend no more than the limit.
   */
  public synchronized Grant take(Priority priority, int instances) {
    long now = clock.millis();
    int reserve = priority == Priority.BACKGROUND ? limit.reserve() : 0;
    if (now < pausedUntil) {
      return Grant.refused(Duration.ofMillis(pausedUntil - now), 0, "paused");
    }
    boolean capped = now < capUntil;
    if (capped && capLeft <= reserve) {
      lastRemaining = capLeft;
      return Grant.refused(Duration.ofMillis(capUntil - now), capLeft, "rate-budget");
    }
    int share = Math.max(1, limit.calls() / Math.max(1, instances));
    Grant grant =
        window.take(now, limit, share, now < policyUntil ? policy : RateLimit.NONE, reserve);
    if (grant.allowed() && capped) {
      capLeft--;
      grant = Grant.allowed(Math.min(grant.remaining(), capLeft));
    }
    lastRemaining = grant.remaining();
    return grant;
  }

  @Override
  public synchronized CompletableFuture<Void> pause(Duration duration) {
    pausedUntil = Math.max(pausedUntil, clock.millis() + duration.toMillis());
    return CompletableFuture.completedFuture(null);
  }

  /** Keeps the lower cap while one is in force, as answers to earlier calls may arrive later. */
  @Override
  public synchronized CompletableFuture<Void> learn(long remaining, Duration resetIn) {
    long now = clock.millis();
    if (remaining < limit.calls() && (now >= capUntil || remaining < capLeft)) {
      capLeft = Math.max(0, remaining);
      capUntil = now + Math.max(1, resetIn.toMillis());
    }
    return CompletableFuture.completedFuture(null);
  }

  @Override
  public synchronized CompletableFuture<Void> learnPolicy(RateLimit upstreamLimit) {
    policy = upstreamLimit;
    policyUntil = clock.millis() + POLICY_KEPT.toMillis();
    return CompletableFuture.completedFuture(null);
  }

  @Override
  public synchronized Status status() {
    long now = clock.millis();
    return new Status(limit, lastRemaining, Duration.ofMillis(Math.max(0, pausedUntil - now)));
  }

  @Override
  public RateLimit limit() {
    return limit;
  }
}
