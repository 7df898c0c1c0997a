package cachegate.engine;

import static org.assertj.core.api.Assertions.assertThat;

import cachegate.engine.RateBudget.Grant;
import cachegate.engine.RateBudget.Priority;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * What every {@link RateBudget} promises, whatever keeps it. The limit's period is long (an hour),
 * so that what is counted does not depend on how fast the test runs.
 */
public abstract class RateBudgetContract {
  protected static final RateLimit LIMIT = RateLimit.parse("10/h");

  /** A fresh, empty budget of {@link #LIMIT} for one route. */
  protected abstract RateBudget budget();

  /** Another instance's view of the same budget: the same one for a budget kept in process. */
  protected abstract RateBudget peer();

  @Test
  public void allowsTheLimitAndThenRefusesSayingWhenToTryAgain() {
    RateBudget budget = budget();
    for (int i = 0; i < 10; i++) {
      assertThat(budget.take(Priority.REQUEST).join())
          .isEqualTo(Grant.allowed(LIMIT.calls() - i - 1));
    }

    Grant refused = budget.take(Priority.REQUEST).join();

    assertThat(refused.allowed()).isFalse();
    assertThat(refused.why()).isEqualTo("rate-budget");
    assertThat(refused.retryAfter()).isPositive().isLessThanOrEqualTo(LIMIT.period());
    assertThat(budget.status().remaining()).isZero();
  }

  @Test
  public void callsTakenByOneInstanceCountForTheOthers() {
    RateBudget budget = budget();
    for (int i = 0; i < 6; i++) {
      budget.take(Priority.REQUEST).join();
    }

    Grant seen = peer().take(Priority.REQUEST).join();

    assertThat(seen).isEqualTo(Grant.allowed(3));
  }

  @Test
  public void backgroundRefreshesNeverSpendTheReserve() {
    RateBudget budget = budget();
    int refreshes = 0;
    while (budget.take(Priority.BACKGROUND).join().allowed()) {
      refreshes++;
    }

    assertThat(refreshes).isEqualTo(LIMIT.calls() - LIMIT.reserve());
    assertThat(budget.take(Priority.REQUEST).join().allowed()).isTrue();
    assertThat(budget.take(Priority.REQUEST).join().allowed()).isFalse();
  }

  @Test
  public void aPauseHoldsForEveryInstance() {
    budget().pause(Duration.ofMinutes(2)).join();

    Grant refused = peer().take(Priority.REQUEST).join();

    assertThat(refused.allowed()).isFalse();
    assertThat(refused.why()).isEqualTo("paused");
    assertThat(refused.retryAfter())
        .isGreaterThan(Duration.ofSeconds(110))
        .isLessThanOrEqualTo(Duration.ofMinutes(2));
  }

  @Test
  public void aShorterPauseDoesNotEndALongerOne() {
    RateBudget budget = budget();
    budget.pause(Duration.ofMinutes(2)).join();
    budget.pause(Duration.ofSeconds(1)).join();

    assertThat(peer().take(Priority.REQUEST).join().retryAfter())
        .isGreaterThan(Duration.ofSeconds(110));
  }

  @Test
  public void fewerCallsLeftThanTheLimitAllowsCapTheBudgetForEveryInstance() {
    budget().learn(2, Duration.ofMinutes(5)).join();

    RateBudget peer = peer();
    assertThat(peer.take(Priority.REQUEST).join().allowed()).isTrue();
    assertThat(peer.take(Priority.REQUEST).join().allowed()).isTrue();
    Grant refused = peer.take(Priority.REQUEST).join();

    assertThat(refused.allowed()).isFalse();
    assertThat(refused.retryAfter())
        .isGreaterThan(Duration.ofMinutes(4))
        .isLessThanOrEqualTo(Duration.ofMinutes(5));
  }

  @Test
  public void moreCallsLeftThanTheLimitAllowsChangeNothing() {
    RateBudget budget = budget();
    budget.learn(500, Duration.ofMinutes(5)).join();

    int allowed = 0;
    while (budget.take(Priority.REQUEST).join().allowed()) {
      allowed++;
    }

    assertThat(allowed).isEqualTo(LIMIT.calls());
  }

  @Test
  public void aStricterPolicyFromTheUpstreamHoldsForEveryInstance() {
    budget().learnPolicy(RateLimit.parse("3/h")).join();

    RateBudget peer = peer();
    int allowed = 0;
    while (peer.take(Priority.REQUEST).join().allowed()) {
      allowed++;
    }

    assertThat(allowed).isEqualTo(3);
  }
}
