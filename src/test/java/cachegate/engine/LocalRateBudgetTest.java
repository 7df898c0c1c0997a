package cachegate.engine;

import static org.assertj.core.api.Assertions.assertThat;

import cachegate.engine.RateBudget.Grant;
import cachegate.engine.RateBudget.Priority;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The sliding window on a clock the test moves. */
class LocalRateBudgetTest {
  private final ManualClock clock = new ManualClock();
  private final LocalRateBudget budget = new LocalRateBudget(RateLimit.parse("10/s"), clock);

  @Test
  void allowsABurstWhileTheWindowHasRoomThenRefusesUntilTheOldestCallLeavesIt() {
    for (int i = 0; i < 4; i++) {
      assertThat(take(Priority.REQUEST).allowed()).isTrue();
    }
    clock.advance(Duration.ofMillis(300));
    for (int i = 0; i < 6; i++) {
      assertThat(take(Priority.REQUEST).allowed()).isTrue();
    }

    Grant refused = take(Priority.REQUEST);

    assertThat(refused.allowed()).isFalse();
    assertThat(refused.retryAfter()).isEqualTo(Duration.ofMillis(700));
    assertThat(refused.why()).isEqualTo("rate-budget");
    clock.advance(Duration.ofMillis(700));
    assertThat(take(Priority.REQUEST).allowed()).isTrue();
  }

  @Test
  void aBackgroundRefreshLeavesTheReserveToRequests() {
    for (int i = 0; i < 9; i++) {
      assertThat(take(Priority.BACKGROUND).allowed()).isTrue();
    }

    Grant deferred = take(Priority.BACKGROUND);

    assertThat(deferred.allowed()).isFalse();
    assertThat(deferred.retryAfter()).isEqualTo(Duration.ofSeconds(1));
    assertThat(take(Priority.REQUEST).allowed()).isTrue();
    assertThat(take(Priority.REQUEST).allowed()).isFalse();
  }

  @Test
  void aPauseRefusesEveryCallUntilItEnds() {
    budget.pause(Duration.ofSeconds(3));

    Grant refused = take(Priority.REQUEST);

    assertThat(refused.allowed()).isFalse();
    assertThat(refused.why()).isEqualTo("paused");
    assertThat(refused.retryAfter()).isEqualTo(Duration.ofSeconds(3));
    assertThat(budget.status().pausedFor()).isEqualTo(Duration.ofSeconds(3));
    clock.advance(Duration.ofSeconds(3));
    assertThat(take(Priority.REQUEST).allowed()).isTrue();
  }

  @Test
  void whatTheUpstreamSaysIsLeftCapsTheBudgetUntilItsReset() {
    budget.learn(2, Duration.ofMillis(400));

    assertThat(take(Priority.REQUEST).remaining()).isEqualTo(1);
    assertThat(take(Priority.REQUEST).allowed()).isTrue();
    Grant refused = take(Priority.REQUEST);

    assertThat(refused.allowed()).isFalse();
    assertThat(refused.retryAfter()).isEqualTo(Duration.ofMillis(400));
    clock.advance(Duration.ofMillis(400));
    assertThat(take(Priority.REQUEST).allowed()).isTrue();
  }

  @Test
  void aHigherCountFromAnEarlierCallDoesNotRaiseTheCapInForce() {
    budget.learn(1, Duration.ofSeconds(1));
    budget.learn(5, Duration.ofSeconds(1));

    assertThat(take(Priority.REQUEST).allowed()).isTrue();
    assertThat(take(Priority.REQUEST).allowed()).isFalse();
  }

  @Test
  void anInstanceSharingTheLimitWithOthersTakesItsShare() {
    int allowed = 0;
    for (int i = 0; i < 10; i++) {
      allowed += budget.take(Priority.REQUEST, 3).allowed() ? 1 : 0;
    }

    assertThat(allowed).isEqualTo(3);
  }

  private Grant take(Priority priority) {
    return budget.take(priority).join();
  }
}
