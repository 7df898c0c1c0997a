package cachegate.engine;

import java.math.BigDecimal;
import java.time.Duration;

/**
 * Durations written as people write them, for logs and messages: {@code 100ms}, {@code 10s}, {@code
 * 8m20s}, {@code 1h30m}, {@code 1d}, never ISO-8601's {@code PT8M20S}. The configuration reads
 * every form written here.
 */
public final class DurationText {
  private static final long SECONDS_PER_DAY = 86_400;
  private static final long SECONDS_PER_HOUR = 3_600;
  private static final long SECONDS_PER_MINUTE = 60;

  private DurationText() {}

  /**
   * {@code duration} in days, hours, minutes and seconds (with a fraction where it has one), each
   * left out when zero; under a second in milliseconds; zero as {@code 0s}.
   */
  public static String of(Duration duration) {
    if (duration.isNegative()) {
      return duration.equals(Duration.ofSeconds(Long.MIN_VALUE))
          ? duration.toString()
          : "-" + of(duration.negated());
    }
    if (duration.isZero()) {
      return "0s";
    }
    if (duration.getSeconds() == 0) {
      return plain(BigDecimal.valueOf(duration.getNano(), 6)) + "ms";
    }
    long seconds = duration.getSeconds();
    StringBuilder text = new StringBuilder();
    part(text, seconds / SECONDS_PER_DAY, "d");
    part(text, seconds % SECONDS_PER_DAY / SECONDS_PER_HOUR, "h");
    part(text, seconds % SECONDS_PER_HOUR / SECONDS_PER_MINUTE, "m");
    BigDecimal rest =
        BigDecimal.valueOf(seconds % SECONDS_PER_MINUTE)
            .add(BigDecimal.valueOf(duration.getNano(), 9));
    if (rest.signum() != 0) {
      text.append(plain(rest)).append('s');
    }
    return text.toString();
  }

  private static void part(StringBuilder text, long count, String unit) {
    if (count > 0) {
      text.append(count).append(unit);
    }
  }

  private static String plain(BigDecimal number) {
    return number.stripTrailingZeros().toPlainString();
  }
}
