package cachegate.engine;

import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;

/**
 * Port to one route's budget of upstream calls ({@link RateLimit}), shared by every instance that
 * shares it. A call is made only after {@link #take} allowed it. The budget also keeps what the
 * upstream said: a {@code Retry-After} pauses the route ({@link #pause}), and fewer calls left than
 * the limit would allow caps it until the upstream's reset ({@link #learn}).
 *
 * <p>Implementations are thread-safe and never fail a future: a budget that cannot be consulted
 * falls back to a documented local rule.
 */
public interface RateBudget {
  /** Who asks: a request with nothing to serve, or a refresh of an entry still being served. */
  enum Priority {
    /** May spend the last call of the budget. */
    REQUEST,
    /** Made only while more than the limit's {@link RateLimit#reserve()} is left. */
    BACKGROUND
  }

  /**
   * The answer to a take.
   *
   * @param allowed whether the call may be made
   * @param retryAfter when a refused call may be tried again; zero when allowed
   * @param remaining calls left in the window after this one (as far as known)
   * @param why when refused, {@code rate-budget} or {@code paused}
   */
  record Grant(boolean allowed, Duration retryAfter, long remaining, String why) {
    public Grant {
      Objects.requireNonNull(retryAfter, "retryAfter");
      Objects.requireNonNull(why, "why");
    }

    public static Grant allowed(long remaining) {
      return new Grant(true, Duration.ZERO, remaining, "");
    }

    public static Grant refused(Duration retryAfter, long remaining, String why) {
      return new Grant(false, retryAfter, remaining, why);
    }
  }

  /**
   * What {@code /health} shows.
   *
   * @param limit the configured limit
   * @param remaining calls left when last known, -1 before any take
   * @param pausedFor how long the route is paused for, zero when it is not
   */
  record Status(RateLimit limit, long remaining, Duration pausedFor) {}

  /** Takes one call from the budget, if {@code priority} may have it. */
  CompletableFuture<Grant> take(Priority priority);

  /**
   * Asks nothing of the upstream for {@code duration} (its {@code Retry-After}), on every instance.
   */
  CompletableFuture<Void> pause(Duration duration);

  /**
   * The upstream said at most {@code remaining} more calls until {@code resetIn}: takes honour the
   * lower of that and the limit until then.
   */
  CompletableFuture<Void> learn(long remaining, Duration resetIn);

  /** How long an upstream's policy is enforced after the last answer that stated it. */
  Duration POLICY_KEPT = Duration.ofHours(1);

  /**
   * The upstream states its own limit ({@code RateLimit-Policy}), stricter than this budget's: it
   * is enforced beside the limit, on every instance, for {@link #POLICY_KEPT} after it was last
   * stated.
   */
  CompletableFuture<Void> learnPolicy(RateLimit upstreamLimit);

  /** The budget as last known. */
  Status status();

  /** The limit this budget enforces. */
  RateLimit limit();

  /** No budget: every take is allowed and nothing is kept. */
  static RateBudget none() {
    return NoRateBudget.INSTANCE;
  }
}
