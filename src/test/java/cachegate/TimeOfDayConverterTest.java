package cachegate;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.LongRange;
import org.junit.jupiter.api.Test;

class TimeOfDayConverterTest {
  private static final DateTimeFormatter LOGBACK_PATTERN =
      DateTimeFormatter.ofPattern("HH:mm:ss.SSS");

  @Property
  void writesWhatTheDatePatternWouldInAnyZone(
      @ForAll @LongRange(min = 0, max = 4_102_444_800_000L) long millis,
      @ForAll("zones") String zone) {
    ZoneId id = ZoneId.of(zone);

    assertThat(new TimeOfDayConverter().format(millis, id))
        .isEqualTo(LOGBACK_PATTERN.format(Instant.ofEpochMilli(millis).atZone(id)));
  }

  @Provide
  Arbitrary<String> zones() {
    return Arbitraries.of(
        "UTC", "Europe/Berlin", "America/New_York", "Asia/Kolkata", "Australia/Lord_Howe");
  }

  @Test
  void keepsTheSecondsTextWhileTheSecondLastsAndMovesOnAfterIt() {
    TimeOfDayConverter converter = new TimeOfDayConverter();
    ZoneId utc = ZoneId.of("UTC");
    long second = Instant.parse("2026-03-29T00:59:59Z").toEpochMilli();

    assertThat(converter.format(second, utc)).isEqualTo("00:59:59.000");
    assertThat(converter.format(second + 7, utc)).isEqualTo("00:59:59.007");
    assertThat(converter.format(second + 999, utc)).isEqualTo("00:59:59.999");
    assertThat(converter.format(second + 1000, utc)).isEqualTo("01:00:00.000");
    // Across a daylight-saving change (Europe/Berlin moves from 02:00 to 03:00 at 01:00 UTC).
    ZoneId berlin = ZoneId.of("Europe/Berlin");
    assertThat(converter.format(second + 999, berlin)).isEqualTo("01:59:59.999");
    assertThat(converter.format(second + 1000, berlin)).isEqualTo("03:00:00.000");
    // Going back in time, as lines of two threads may.
    assertThat(converter.format(second + 42, utc)).isEqualTo("00:59:59.042");
  }
}
