package cachegate.engine;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;

/** A route without a rate limit: everything is allowed, nothing is kept. */
enum NoRateBudget implements RateBudget {
  INSTANCE;

  private static final CompletableFuture<Grant> ALLOWED =
      CompletableFuture.completedFuture(Grant.allowed(Long.MAX_VALUE));

  @Override
  public CompletableFuture<Grant> take(Priority priority) {
    return ALLOWED;
  }

  @Override
  public CompletableFuture<Void> pause(Duration duration) {
    return CompletableFuture.completedFuture(null);
  }

  @Override
  public CompletableFuture<Void> learn(long remaining, Duration resetIn) {
    return CompletableFuture.completedFuture(null);
  }

  @Override
  public CompletableFuture<Void> learnPolicy(RateLimit upstreamLimit) {
    return CompletableFuture.completedFuture(null);
  }

  @Override
  public Status status() {
    return new Status(RateLimit.NONE, -1, Duration.ZERO);
  }

  @Override
  public RateLimit limit() {
    return RateLimit.NONE;
  }
}
