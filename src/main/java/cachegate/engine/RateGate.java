package cachegate.engine;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;

/**
 * Calls the upstream only when the route's {@link RateBudget} allows it, and tells the budget what
 * the upstream said: a 429 or 503 with {@code Retry-After} pauses the route for every instance
 * sharing the budget. A refused call fails with {@link UpstreamException.Kind#UNAVAILABLE} and the
 * budget's retry-after, which the engine answers like an open circuit breaker: a stored answer
 * within stale-if-error, else 503 with {@code Retry-After}. A refused background refresh is
 * deferred: counted, and the entry stays as it is. Thread-safe.
 */
final class RateGate {
  private final Upstream delegate;
  private final RateBudget budget;
  private final String name;
  private final String route;
  private final CacheMetrics metrics;

  RateGate(Upstream delegate, RateBudget budget, String name, String route, CacheMetrics metrics) {
    this.delegate = delegate;
    this.budget = budget;
    this.name = name;
    this.route = route;
    this.metrics = metrics;
  }

  CompletableFuture<UpstreamResponse> call(
      CacheKey key, Validators validators, Span span, RateBudget.Priority priority) {
    if (budget == RateBudget.none()) {
      return delegate.fetch(key, validators, span);
    }
    return budget
        .take(priority)
        .thenCompose(
            grant -> {
              if (!grant.allowed()) {
                return CompletableFuture.failedFuture(refused(grant, priority));
              }
              return delegate
                  .fetch(key, validators, span)
                  .handle(
                      (answer, failure) ->
                          failure == null
                              ? CompletableFuture.completedFuture(answer)
                              : heard(failure)
                                  .<UpstreamResponse>thenCompose(
                                      paused -> CompletableFuture.failedFuture(failure)))
                  .thenCompose(answer -> answer);
            });
  }

  private UpstreamException refused(RateBudget.Grant grant, RateBudget.Priority priority) {
    if (priority == RateBudget.Priority.BACKGROUND) {
      metrics.refreshDeferred(route);
    } else {
      metrics.budgetRefused(route);
    }
    Duration wait = grant.retryAfter();
    String why =
        grant.why().equals("paused")
            ? "paused by its Retry-After for " + DurationText.of(wait)
            : "rate budget of " + budget.limit() + " spent for " + DurationText.of(wait);
    return UpstreamException.unavailable(name, why, wait);
  }

  /**
   * A 429 or 503 with {@code Retry-After} pauses every instance, not just this one: the failure is
   * passed on once the pause is kept, so that a request to another instance after this answer finds
   * it.
   */
  private CompletableFuture<Void> heard(Throwable failure) {
    if (Failures.unwrap(failure) instanceof UpstreamException upstream
        && upstream.kind() == UpstreamException.Kind.BAD_STATUS
        && (upstream.upstreamStatus().orElse(0) == 429
            || upstream.upstreamStatus().orElse(0) == 503)) {
      return upstream
          .retryAfter()
          .filter(wait -> !wait.isZero())
          .map(
              wait ->
                  budget.pause(
                      wait.compareTo(GuardedUpstream.MAX_RETRY_AFTER) < 0
                          ? wait
                          : GuardedUpstream.MAX_RETRY_AFTER))
          .orElse(CompletableFuture.completedFuture(null));
    }
    return CompletableFuture.completedFuture(null);
  }
}
