package cachegate.config;

import static org.assertj.core.api.Assertions.assertThat;

import cachegate.engine.DurationText;
import java.time.Duration;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class DurationsTest {
  @ParameterizedTest(name = "{0} ms")
  @ValueSource(
      longs = {1, 100, 999, 1_000, 1_500, 10_000, 60_000, 90_500, 500_000, 5_400_000, 86_400_000})
  void everyDurationAsLogsWriteItReadsBackAsTheSameDuration(long millis) {
    Duration duration = Duration.ofMillis(millis);

    Duration read = Durations.parse(DurationText.of(duration), Durations.Range.POSITIVE);

    assertThat(read).isEqualTo(duration);
  }
}
