package cachegate.engine;

import java.time.Duration;
import java.util.Locale;
import java.util.Objects;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * How many upstream calls a route may make in any period of a given length: {@code 10/s}, {@code
 * 600/min}, {@code 10000/day}, {@code 5/10s}. Every window of {@code period}'s length, wherever it
 * starts, holds at most {@code calls} calls.
 *
 * @param calls the most calls in any one period; 0 only for {@link #NONE}
 * @param period the length of the window
 */
public record RateLimit(int calls, Duration period) {
  /**
   * The most calls one period may hold: the shared window keeps one member per call made within it,
   * so this bounds its memory (about 100 bytes a call in Redis, 10 MB at this limit).
   */
  public static final int MAX_CALLS = 100_000;

  /** No limit: calls are not counted. */
  public static final RateLimit NONE = new RateLimit(0, Duration.ofSeconds(1));

  private static final Pattern SYNTAX =
      Pattern.compile("(\\d{1,9})\\s*/\\s*(\\d{0,6})\\s*(ms|s|sec|m|min|h|hour|d|day)");

  public RateLimit {
    Objects.requireNonNull(period, "period");
    if (calls < 0 || calls > MAX_CALLS) {
      throw new IllegalArgumentException(
          "a rate limit allows 1 to " + MAX_CALLS + " calls a period, was " + calls);
    }
    if (period.toMillis() < 1) {
      throw new IllegalArgumentException(
          "a rate limit's period must be at least 1ms, was " + DurationText.of(period));
    }
  }

  /**
   * Reads {@code N/unit} or {@code N/<multiple><unit>}, unit one of {@code s}, {@code min}, {@code
   * h}, {@code day} (also {@code ms}, {@code m}, {@code d}, {@code sec}, {@code hour}).
   *
   * @throws IllegalArgumentException naming the value when it is not one
   */
  public static RateLimit parse(String text) {
    Matcher m = SYNTAX.matcher(text.strip().toLowerCase(Locale.ROOT));
    if (!m.matches()) {
      throw new IllegalArgumentException(
          "must be calls per period such as 10/s, 600/min, 5/10s or 10000/day, was '" + text + "'");
    }
    int calls = Integer.parseInt(m.group(1));
    long multiple = m.group(2).isEmpty() ? 1 : Long.parseLong(m.group(2));
    if (calls < 1 || multiple < 1) {
      throw new IllegalArgumentException(
          "must allow at least 1 call in a period of at least 1 unit, was '" + text + "'");
    }
    Duration unit =
        switch (m.group(3)) {
          case "ms" -> Duration.ofMillis(1);
          case "s", "sec" -> Duration.ofSeconds(1);
          case "m", "min" -> Duration.ofMinutes(1);
          case "h", "hour" -> Duration.ofHours(1);
          default -> Duration.ofDays(1);
        };
    return new RateLimit(calls, unit.multipliedBy(multiple));
  }

  /** Whether calls are counted at all. */
  public boolean isLimited() {
    return calls > 0;
  }

  /**
   * How many calls a background refresh leaves for requests with nothing to serve: it is made only
   * while more than this are left, so it never spends the last of the budget.
   */
  public int reserve() {
    return Math.max(1, calls / 10);
  }

  /** {@code 10/s}, {@code 600/1min}: as it may be written. */
  @Override
  public String toString() {
    return isLimited() ? calls + "/" + DurationText.of(period) : "none";
  }
}
