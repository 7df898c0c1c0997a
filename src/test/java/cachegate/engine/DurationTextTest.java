package cachegate.engine;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class DurationTextTest {
  @ParameterizedTest(name = "{0} ms -> {1}")
  @CsvSource({
    "0,         0s",
    "1,         1ms",
    "100,       100ms",
    "999,       999ms",
    "1000,      1s",
    "1500,      1.5s",
    "10000,     10s",
    "60000,     1m",
    "500000,    8m20s",
    "90500,     1m30.5s",
    "3600000,   1h",
    "5400000,   1h30m",
    "86400000,  1d",
    "90061001,  1d1h1m1.001s",
    "-1000,     -1s",
    "-1,        -1ms",
  })
  void durationsAreWrittenAsPeopleWriteThem(long millis, String written) {
    Duration duration = Duration.ofMillis(millis);

    String text = DurationText.of(duration);

    assertThat(text).isEqualTo(written);
  }

  @ParameterizedTest(name = "{0} ns -> {1}")
  @CsvSource({"500000, 0.5ms", "1000001000, 1.000001s"})
  void fractionsOfAMillisecondAreKept(long nanos, String written) {
    Duration duration = Duration.ofNanos(nanos);

    String text = DurationText.of(duration);

    assertThat(text).isEqualTo(written);
  }
}
