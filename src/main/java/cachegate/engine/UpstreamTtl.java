package cachegate.engine;

import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.Locale;
import java.util.Optional;

/**
 * The freshness lifetime of an upstream answer for a route that takes it from the upstream ({@link
 * CachePolicy.TtlFrom#UPSTREAM}), as a shared cache reads it (RFC 9111 §4.2.1): {@code s-maxage},
 * else {@code max-age}, else {@code Expires} less {@code Date} (the time of receipt when there is
 * no valid {@code Date}), else the route's TTL; never more than the route's maximum. {@code
 * no-cache}, a lifetime of zero and an {@code Expires} that is invalid or already past (RFC 9111
 * §5.3) give zero: the answer is served to the requests waiting for it and not kept. A pure
 * function: the caller hands in the time of receipt.
 */
final class UpstreamTtl {
  private UpstreamTtl() {}

  /**
   * The lifetime of {@code answer}, received at {@code now}, with {@code routeTtl} when the
   * upstream names none and at most {@code maxTtl}; zero means not to keep it.
   */
  static Duration of(UpstreamResponse answer, Instant now, Duration routeTtl, Duration maxTtl) {
    return of(answer.cacheControl(), answer.expires(), answer.date(), now, routeTtl, maxTtl);
  }

  /**
   * The lifetime given by the header values (each empty when absent), received at {@code now}, with
   * {@code routeTtl} when they name none and at most {@code maxTtl}; zero means not to keep it.
   */
  static Duration of(
      String cacheControl,
      String expires,
      String date,
      Instant now,
      Duration routeTtl,
      Duration maxTtl) {
    Duration lifetime = lifetime(cacheControl, expires, date, now).orElse(routeTtl);
    return lifetime.compareTo(maxTtl) <= 0 ? lifetime : maxTtl;
  }

  private static Optional<Duration> lifetime(
      String cacheControl, String expires, String date, Instant now) {
    if (directive(cacheControl, "no-cache").isPresent()) {
      // RFC 9111 §5.2.2.4: every use must be validated first; cachegate does not keep it.
      return Optional.of(Duration.ZERO);
    }
    Optional<Duration> shared = seconds(directive(cacheControl, "s-maxage"));
    if (shared.isPresent()) {
      return shared;
    }
    Optional<Duration> maxAge = seconds(directive(cacheControl, "max-age"));
    if (maxAge.isPresent()) {
      return maxAge;
    }
    if (expires.isBlank()) {
      return Optional.empty();
    }
    Optional<Instant> until = httpDate(expires);
    if (until.isEmpty()) {
      return Optional.of(Duration.ZERO);
    }
    Instant sent = httpDate(date).orElse(now);
    Duration left = Duration.between(sent, until.get());
    return Optional.of(left.isNegative() ? Duration.ZERO : left);
  }

  /**
   * The value of the first directive named {@code name} (case-insensitive), unquoted; empty text
   * for a directive without a value; none when absent.
   */
  static Optional<String> directive(String cacheControl, String name) {
    for (String part : cacheControl.split(",")) {
      String directive = part.strip();
      int equals = directive.indexOf('=');
      String key = (equals < 0 ? directive : directive.substring(0, equals)).strip();
      if (key.toLowerCase(Locale.ROOT).equals(name)) {
        String value = equals < 0 ? "" : directive.substring(equals + 1).strip();
        if (value.length() >= 2 && value.startsWith("\"") && value.endsWith("\"")) {
          value = value.substring(1, value.length() - 1);
        }
        return Optional.of(value);
      }
    }
    return Optional.empty();
  }

  /** RFC 9111 §1.2.2 delta-seconds: digits only; a larger number than fits is the largest. */
  private static Optional<Duration> seconds(Optional<String> value) {
    if (value.isEmpty()
        || value.get().isEmpty()
        || !value.get().chars().allMatch(c -> c >= '0' && c <= '9')) {
      return Optional.empty();
    }
    String digits = value.get();
    // 2^31 seconds, RFC 9111 §1.2.2's ceiling for delta-seconds that overflow.
    long seconds =
        digits.length() > 10 ? 2147483648L : Math.min(Long.parseLong(digits), 2147483648L);
    return Optional.of(Duration.ofSeconds(seconds));
  }

  /** An RFC 9110 §5.6.7 IMF-fixdate (the form senders must use), else none. */
  private static Optional<Instant> httpDate(String value) {
    if (value.isBlank()) {
      return Optional.empty();
    }
    try {
      return Optional.of(
          ZonedDateTime.parse(value.strip(), DateTimeFormatter.RFC_1123_DATE_TIME).toInstant());
    } catch (DateTimeParseException e) {
      return Optional.empty();
    }
  }
}
