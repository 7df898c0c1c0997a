package cachegate.config;

import java.math.BigDecimal;
import java.time.Duration;

/**
 * Durations as configured: seconds as in flask-caching ({@code 30}, {@code 0.5}) or with a unit.
 */
final class Durations {
  static final String FORMAT = "a number of seconds (e.g. 30 or 0.5) or milliseconds (e.g. 100ms)";

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
   * Parses {@code 30}, {@code 0.5}, {@code 2s} or {@code 100ms}.
   *
   * @throws IllegalArgumentException when the text is none of these or is outside {@code range};
   *     its message completes "&lt;setting&gt; ", e.g. "must be positive"
   */
  static Duration parse(String text, Range range) {
    try {
      Duration parsed;
      if (text.endsWith("ms")) {
        parsed = Duration.ofMillis(Long.parseLong(text.substring(0, text.length() - 2).strip()));
      } else {
        String seconds = text.endsWith("s") ? text.substring(0, text.length() - 1).strip() : text;
        parsed = Duration.ofMillis(new BigDecimal(seconds).movePointRight(3).longValueExact());
      }
      if (parsed.isNegative()) {
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
}
