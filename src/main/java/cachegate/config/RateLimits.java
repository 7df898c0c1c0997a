package cachegate.config;

import cachegate.engine.RateLimit;
import java.util.Optional;

/** Reads a rate limit ({@code UPSTREAM_RATE_LIMIT}, a route's {@code upstreamRateLimit}). */
final class RateLimits {
  private RateLimits() {}

  /** {@link RateLimit#NONE} when unset or {@code none}; refused naming the variable otherwise. */
  static RateLimit read(Optional<String> value) {
    return value.map(text -> parse("UPSTREAM_RATE_LIMIT", text)).orElse(RateLimit.NONE);
  }

  /**
   * @param what the variable or field, as the message names it
   * @throws ConfigException when {@code text} is not a limit
   */
  static RateLimit parse(String what, String text) {
    if (text.strip().equalsIgnoreCase("none")) {
      return RateLimit.NONE;
    }
    try {
      return RateLimit.parse(text);
    } catch (IllegalArgumentException e) {
      throw new ConfigException(what + " " + e.getMessage());
    }
  }
}
