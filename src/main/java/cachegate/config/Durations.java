package cachegate.config;

import java.math.BigDecimal;
import java.time.Duration;

/**
 * Durations as configured: seconds as in flask-caching ({@code 30}, {@code 0.5}) or with a unit.
 */
final class Durations {
  static final String FORMAT = "a number of seconds (e.g. 30 or 0.5) or milliseconds (e.g. 100ms)";

  private Durations() {}

  /**
   * Parses {@code 30}, {@code 0.5}, {@code 2s} or {@code 100ms}.
   *
   * @throws IllegalArgumentException when the text is none of these, or negative
   */
  static Duration parse(String text) {
    return parse(text, false);
  }

  /**
   * Parses as {@link #parse(String)} does, refusing fractions of a second when {@code
   * wholeSeconds}.
   */
  static Duration parse(String text, boolean wholeSeconds) {
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
      if (wholeSeconds && parsed.toMillis() % 1000 != 0) {
        throw new IllegalArgumentException("must be whole seconds");
      }
      return parsed;
    } catch (NumberFormatException | ArithmeticException e) {
      throw new IllegalArgumentException("must be " + FORMAT);
    }
  }
}
