package cachegate.config;

import cachegate.engine.DurationText;
import java.math.BigDecimal;
import java.time.Duration;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Durations as configured: seconds as in flask-caching ({@code 30}, {@code 0.5}) or with units, as
 * {@link DurationText} writes them ({@code 100ms}, {@code 2s}, {@code 5m}, {@code 1h30m}, {@code
 * 1d}).
 */
final class Durations {
  static final String FORMAT =
      "a number of seconds (e.g. 30 or 0.5) or a duration with units (e.g. 100ms, 2s, 5m, 1h30m)";

  private static final Pattern PART = Pattern.compile("(\\d+(?:\\.\\d+)?)\\s*(ms|d|h|m|s)\\s*");
  private static final Pattern PARTS = Pattern.compile("(?:" + PART.pattern() + ")+");
  private static final Map<String, Long> UNIT_MILLIS =
      Map.of("ms", 1L, "s", 1_000L, "m", 60_000L, "h", 3_600_000L, "d", 86_400_000L);

  private Durations() {}

  /** Which durations a setting takes. */
  enum Range {
    /** More than zero. */
    POSITIVE,
    /** Zero or more (e.g. a stale window, where zero means none). */
    NOT_NEGATIVE,
    /** Zero or more whole seconds. */
    WHOLE_SECONDS
  }

  /**
   * Parses {@code 30}, {@code 0.5}, {@code 100ms}, {@code 2s}, {@code 8m20s}, {@code 1h} or {@code
   * 1d}, to the millisecond.
   *
   * @throws IllegalArgumentException when the text is none of these or is outside {@code range};
   *     its message completes "&lt;setting&gt; ", e.g. "must be positive"
   */
  static Duration parse(String text, Range range) {
    try {
      String trimmed = text.strip();
      boolean negative = trimmed.startsWith("-");
      String magnitude = negative ? trimmed.substring(1).strip() : trimmed;
      Duration parsed = Duration.ofMillis(millis(magnitude).longValueExact());
      if (negative && !parsed.isZero()) {
        throw new IllegalArgumentException("must not be negative");
      }
      if (range == Range.WHOLE_SECONDS && parsed.toMillis() % 1000 != 0) {
        throw new IllegalArgumentException("must be whole seconds");
      }
      if (range == Range.POSITIVE && parsed.isZero()) {
        throw new IllegalArgumentException("must be positive");
      }
      return parsed;
    } catch (NumberFormatException | ArithmeticException e) {
      throw new IllegalArgumentException("must be " + FORMAT);
    }
  }

  /** Whether {@code text} is a bare number, which is read as seconds. */
  static boolean isBareNumber(String text) {
    try {
      new BigDecimal(text.strip());
      return true;
    } catch (NumberFormatException e) {
      return false;
    }
  }

  private static BigDecimal millis(String text) {
    if (!PARTS.matcher(text).matches()) {
      return new BigDecimal(text).movePointRight(3);
    }
    BigDecimal millis = BigDecimal.ZERO;
    Matcher part = PART.matcher(text);
    while (part.find()) {
      millis =
          millis.add(
              new BigDecimal(part.group(1))
                  .multiply(BigDecimal.valueOf(UNIT_MILLIS.get(part.group(2)))));
    }
    return millis;
  }
}
