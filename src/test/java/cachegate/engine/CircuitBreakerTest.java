package cachegate.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The breaker's states on a clock only the test moves. */
class CircuitBreakerTest {
  private static final Duration OPEN_FOR = Duration.ofSeconds(5);

  private final ManualClock clock = new ManualClock();
  private final CircuitBreaker breaker = new CircuitBreaker(3, OPEN_FOR, clock);

  @Test
  void staysClosedBelowTheThresholdOfFailuresInARow() {
    breaker.failed();
    breaker.failed();
    breaker.succeeded();
    breaker.failed();
    breaker.failed();

    assertThat(breaker.state()).isEqualTo(CircuitBreaker.State.CLOSED);
    assertThat(breaker.tryPass()).isTrue();
    assertThat(breaker.retryAfter()).isEmpty();
  }

  @Test
  void opensAfterTheThresholdOfFailuresInARowAndRefusesCalls() {
    failThreeTimes();

    assertThat(breaker.state()).isEqualTo(CircuitBreaker.State.OPEN);
    assertThat(breaker.tryPass()).isFalse();
    assertThat(breaker.retryAfter()).contains(OPEN_FOR);
  }

  @Test
  void staysOpenUntilTheCoolDownHasPassedOnTheClock() {
    failThreeTimes();

    clock.advance(OPEN_FOR.minusMillis(1));

    assertThat(breaker.state()).isEqualTo(CircuitBreaker.State.OPEN);
    assertThat(breaker.tryPass()).isFalse();
    assertThat(breaker.retryAfter()).contains(Duration.ofMillis(1));
  }

  @Test
  void afterTheCoolDownItIsHalfOpenAndLetsExactlyOneProbeThrough() {
    failThreeTimes();

    clock.advance(OPEN_FOR);

    assertThat(breaker.state()).isEqualTo(CircuitBreaker.State.HALF_OPEN);
    assertThat(breaker.tryPass()).isTrue();
    assertThat(breaker.tryPass()).isFalse();
    assertThat(breaker.retryAfter()).isEmpty();
  }

  @Test
  void aProbeThatSucceedsClosesTheBreaker() {
    failThreeTimes();
    clock.advance(OPEN_FOR);
    breaker.tryPass();

    breaker.succeeded();

    assertThat(breaker.state()).isEqualTo(CircuitBreaker.State.CLOSED);
    assertThat(breaker.tryPass()).isTrue();
    assertThat(breaker.tryPass()).isTrue();
  }

  @Test
  void aProbeThatFailsOpensTheBreakerForAnotherCoolDown() {
    failThreeTimes();
    clock.advance(OPEN_FOR);
    breaker.tryPass();

    breaker.failed();

    assertThat(breaker.state()).isEqualTo(CircuitBreaker.State.OPEN);
    assertThat(breaker.retryAfter()).contains(OPEN_FOR);
    clock.advance(OPEN_FOR);
    assertThat(breaker.tryPass()).isTrue();
  }

  @Test
  void aDependencyCanAskToBeLeftAloneLongerButNeverShorter() {
    breaker.openFor(Duration.ofSeconds(30));
    breaker.openFor(Duration.ofSeconds(10));

    assertThat(breaker.state()).isEqualTo(CircuitBreaker.State.OPEN);
    assertThat(breaker.retryAfter()).contains(Duration.ofSeconds(30));
    clock.advance(Duration.ofSeconds(29));
    assertThat(breaker.tryPass()).isFalse();
    clock.advance(Duration.ofSeconds(1));
    assertThat(breaker.tryPass()).isTrue();
  }

  @Test
  void aThresholdBelowOneIsRefused() {
    assertThatThrownBy(() -> new CircuitBreaker(0, OPEN_FOR, clock))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("breaker threshold must be positive, was 0");
  }

  private void failThreeTimes() {
    for (int i = 0; i < 3; i++) {
      assertThat(breaker.tryPass()).isTrue();
      breaker.failed();
    }
  }
}
