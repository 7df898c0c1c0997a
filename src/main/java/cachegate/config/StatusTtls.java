package cachegate.config;

import cachegate.engine.CachePolicy;
import cachegate.engine.DurationText;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * The 4xx statuses a route caches, each with its TTL, as {@code CACHE_STATUSES} writes them ({@code
 * 404=60,410=5m}, or {@code none}) and as the routes file's {@code cacheStatuses} mapping gives
 * them.
 */
final class StatusTtls {
  /** What {@code CACHE_STATUSES} defaults to, as the README shows it. */
  static final String DEFAULT_TEXT = text(CachePolicy.DEFAULT_STATUS_TTLS);

  private StatusTtls() {}

  /**
   * Reads {@code 404=60,410=5m} or {@code none}.
   *
   * @throws IllegalArgumentException naming the part that is wrong
   */
  static Map<Integer, Duration> parse(String text) {
    if (text.strip().equals("none")) {
      return Map.of();
    }
    Map<Integer, Duration> ttls = new LinkedHashMap<>();
    for (String part : text.split(",", -1)) {
      int equals = part.indexOf('=');
      if (equals < 0) {
        throw new IllegalArgumentException(
            "must be status=ttl pairs separated by commas, such as 404=60,410=5m, or none");
      }
      put(ttls, part.substring(0, equals), part.substring(equals + 1));
    }
    return ttls;
  }

  /**
   * Adds {@code status} cached for {@code ttl} to {@code ttls}.
   *
   * @throws IllegalArgumentException if either is wrong, or the status is there already
   */
  static void put(Map<Integer, Duration> ttls, String status, String ttl) {
    int code;
    try {
      code = Integer.parseInt(status.strip());
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("'" + status.strip() + "' is not an HTTP status");
    }
    if (!CachePolicy.isCacheableStatus(code)) {
      throw new IllegalArgumentException(
          "status "
              + code
              + " cannot be cached: only 4xx other than 408 and 429 can (2xx always"
              + " are, for the route's ttl)");
    }
    Duration parsed;
    try {
      parsed = Durations.parse(ttl.strip(), Durations.Range.POSITIVE);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(
          "the ttl of status " + code + " " + e.getMessage() + ", was '" + ttl.strip() + "'");
    }
    if (ttls.put(code, parsed) != null) {
      throw new IllegalArgumentException("status " + code + " is given twice");
    }
  }

  /** {@code 404=60,410=60}, in status order, seconds without a unit when whole; {@code none}. */
  static String text(Map<Integer, Duration> ttls) {
    StringBuilder text = new StringBuilder();
    new TreeMap<>(ttls)
        .forEach(
            (status, ttl) ->
                text.append(text.length() == 0 ? "" : ",")
                    .append(status)
                    .append('=')
                    .append(
                        ttl.toMillis() % 1000 == 0
                            ? String.valueOf(ttl.toSeconds())
                            : DurationText.of(ttl)));
    return text.length() == 0 ? "none" : text.toString();
  }
}
