package cachegate.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class RateLimitTest {
  @ParameterizedTest
  @CsvSource({
    "10/s, 10, PT1S",
    "600/min, 600, PT1M",
    "50/h, 50, PT1H",
    "10000/day, 10000, PT24H",
    "5/10s, 5, PT10S",
    "3 / 2min, 3, PT2M",
    "100000/d, 100000, PT24H"
  })
  void readsCallsPerPeriod(String text, int calls, Duration period) {
    assertThat(RateLimit.parse(text)).isEqualTo(new RateLimit(calls, period));
  }

  @ParameterizedTest
  @ValueSource(strings = {"10", "10/", "/s", "ten/s", "10/week", "0/s", "10/0s", "-1/s", "1.5/s"})
  void refusesWhatIsNotCallsPerPeriod(String text) {
    assertThatThrownBy(() -> RateLimit.parse(text))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining(text.strip());
  }

  @Test
  void refusesMoreCallsAPeriodThanTheWindowMayHold() {
    assertThatThrownBy(() -> RateLimit.parse("100001/s"))
        .hasMessage("a rate limit allows 1 to 100000 calls a period, was 100001");
  }

  @Test
  void isWrittenAsItIsReadAndLeavesATenthForRequests() {
    RateLimit limit = RateLimit.parse("600/min");

    assertThat(RateLimit.parse(limit.toString())).isEqualTo(limit);
    assertThat(limit.reserve()).isEqualTo(60);
    assertThat(RateLimit.parse("5/s").reserve()).isEqualTo(1);
    assertThat(RateLimit.NONE.isLimited()).isFalse();
  }
}
