package cachegate.engine;

import java.time.Duration;
import java.time.InstantSource;
import java.util.Locale;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What an upstream says of its own rate limit, read leniently from any answer: the IETF draft's
 * {@code RateLimit} and {@code RateLimit-Policy} fields in both forms ({@code limit=100,
 * remaining=50, reset=30}, and {@code "default";r=50;t=30} with {@code "default";q=100;w=60}), the
 * early drafts' {@code RateLimit-Remaining}/{@code RateLimit-Reset}, and the common {@code
 * X-RateLimit-Remaining}/{@code X-RateLimit-Reset} (a reset above 10^9 is an epoch timestamp in
 * seconds, below it seconds from now). A value that cannot be read is ignored.
 */
public final class RateHeaders {
  /** Resets are read in whole seconds: a cap lasts at least one, so a reset of 0 still counts. */
  static final Duration MIN_RESET = Duration.ofSeconds(1);

  /** The longest a cap is kept: a wrong header cannot hold a route's budget down for long. */
  static final Duration MAX_RESET = Duration.ofDays(1);

  private static final long EPOCH_SECONDS_ABOVE = 1_000_000_000L;
  private static final Pattern PARAM =
      Pattern.compile("(?:^|[,;])\\s*(limit|remaining|reset|q|w|r|t)\\s*=\\s*\"?(-?\\d{1,19})");
  private static final Pattern BARE_QUOTA = Pattern.compile("^\\s*(\\d{1,9})\\s*;");

  /** Receives each answer's header fields, by name; called on the thread the answer arrived on. */
  @FunctionalInterface
  public interface Listener {
    void heard(Function<String, String> header);
  }

  /**
   * What was read.
   *
   * @param remaining calls left until {@code resetIn}, -1 when not said
   * @param resetIn when the upstream's count starts again
   * @param policy the upstream's own limit, {@link RateLimit#NONE} when not said
   */
  public record Hint(long remaining, Duration resetIn, RateLimit policy) {}

  private RateHeaders() {}

  /** Reads every known field through {@code header} (null when absent), at {@code now}. */
  public static Hint read(Function<String, String> header, long nowEpochSeconds) {
    long remaining = -1;
    long reset = -1;
    String fields = text(header.apply("RateLimit"));
    Matcher m = PARAM.matcher(fields);
    while (m.find()) {
      long value = Long.parseLong(m.group(2));
      switch (m.group(1)) {
        case "remaining", "r" -> remaining = remaining < 0 ? value : Math.min(remaining, value);
        case "reset", "t" -> reset = Math.max(reset, value);
        default -> {}
      }
    }
    remaining = lower(remaining, number(header.apply("RateLimit-Remaining")));
    remaining = lower(remaining, number(header.apply("X-RateLimit-Remaining")));
    reset = Math.max(reset, number(header.apply("RateLimit-Reset")));
    reset = Math.max(reset, number(header.apply("X-RateLimit-Reset")));
    long seconds = reset > EPOCH_SECONDS_ABOVE ? reset - nowEpochSeconds : reset;
    Duration resetIn = Duration.ofSeconds(Math.max(seconds, 0));
    resetIn = resetIn.compareTo(MIN_RESET) < 0 ? MIN_RESET : resetIn;
    resetIn = resetIn.compareTo(MAX_RESET) > 0 ? MAX_RESET : resetIn;
    return new Hint(
        remaining < 0 ? -1 : remaining, resetIn, policy(text(header.apply("RateLimit-Policy"))));
  }

  /** The first policy of {@code RateLimit-Policy}: {@code 100;w=60} or {@code "p";q=100;w=60}. */
  private static RateLimit policy(String field) {
    long quota = -1;
    long window = -1;
    Matcher bare = BARE_QUOTA.matcher(field);
    if (bare.find()) {
      quota = Long.parseLong(bare.group(1));
    }
    Matcher m = PARAM.matcher(field.split(",", 2)[0]);
    while (m.find()) {
      long value = Long.parseLong(m.group(2));
      switch (m.group(1)) {
        case "q", "limit" -> quota = value;
        case "w" -> window = value;
        default -> {}
      }
    }
    if (quota < 1 || quota > RateLimit.MAX_CALLS || window < 1 || window > MAX_RESET.toSeconds()) {
      return RateLimit.NONE;
    }
    return new RateLimit((int) quota, Duration.ofSeconds(window));
  }

  /**
   * A listener that tells {@code budget} what each answer says: fewer calls left than its limit
   * caps it until the reset; a policy stricter than its limit (fewer calls a second) is enforced
   * beside it.
   */
  public static Listener learner(RateBudget budget, InstantSource clock) {
    return header -> {
      Hint hint = read(header, clock.instant().getEpochSecond());
      if (hint.remaining() >= 0 && hint.remaining() < budget.limit().calls()) {
        budget.learn(hint.remaining(), hint.resetIn());
      }
      if (isStricter(hint.policy(), budget.limit())) {
        budget.learnPolicy(hint.policy());
      }
    };
  }

  /** Whether {@code policy} allows fewer calls a second than {@code limit}. */
  static boolean isStricter(RateLimit policy, RateLimit limit) {
    return policy.isLimited()
        && (double) policy.calls() / policy.period().toMillis()
            < (double) limit.calls() / limit.period().toMillis();
  }

  private static String text(String value) {
    return value == null ? "" : value.toLowerCase(Locale.ROOT);
  }

  private static long number(String value) {
    if (value == null) {
      return -1;
    }
    try {
      return Long.parseLong(value.strip());
    } catch (NumberFormatException e) {
      return -1;
    }
  }

  private static long lower(long known, long other) {
    if (other < 0) {
      return known;
    }
    return known < 0 ? other : Math.min(known, other);
  }
}
