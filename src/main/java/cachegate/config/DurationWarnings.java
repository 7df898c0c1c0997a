package cachegate.config;

import cachegate.engine.DurationText;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;

/**
 * Durations that are allowed but far longer than makes sense for their setting, most often a unit
 * mistaken: {@code CACHE_REDIS_TIMEOUT=100} is 100 seconds, not milliseconds. Each gives a warning
 * for the start-up log; cachegate starts all the same.
 */
final class DurationWarnings {
  /** A Redis command takes well under a millisecond; a timeout this long stalls every request. */
  static final Duration LONGEST_REDIS_TIMEOUT = Duration.ofSeconds(10);

  /** No client waits this long for a miss; nginx's {@code proxy_read_timeout} is 60 s. */
  static final Duration LONGEST_UPSTREAM_TIMEOUT = Duration.ofMinutes(5);

  /** Far beyond any upstream's own idle timeout (Node.js 5 s, nginx 75 s). */
  static final Duration LONGEST_UPSTREAM_KEEP_ALIVE = Duration.ofMinutes(10);

  /** nginx's {@code client_header_timeout} is 60 s. */
  static final Duration LONGEST_CLIENT_HEADER_TIMEOUT = Duration.ofMinutes(5);

  /** Load balancers keep idle connections for a minute or a few. */
  static final Duration LONGEST_CLIENT_IDLE_TIMEOUT = Duration.ofHours(1);

  /** nginx's {@code send_timeout} is 60 s. */
  static final Duration LONGEST_CLIENT_SEND_TIMEOUT = Duration.ofMinutes(10);

  /** A TTL or stale window: an entry stays in Redis for the TTL plus the larger window. */
  static final Duration LONGEST_CACHE_LIFETIME = Duration.ofDays(30);

  /** The longest sensible value of each duration setting, by variable or routes-file field. */
  private static final Map<String, Duration> LONGEST =
      Map.ofEntries(
          Map.entry("CACHE_REDIS_TIMEOUT", LONGEST_REDIS_TIMEOUT),
          Map.entry("UPSTREAM_TIMEOUT", LONGEST_UPSTREAM_TIMEOUT),
          Map.entry("upstreamTimeout", LONGEST_UPSTREAM_TIMEOUT),
          Map.entry("UPSTREAM_KEEP_ALIVE", LONGEST_UPSTREAM_KEEP_ALIVE),
          Map.entry("upstreamKeepAlive", LONGEST_UPSTREAM_KEEP_ALIVE),
          Map.entry("CLIENT_HEADER_TIMEOUT", LONGEST_CLIENT_HEADER_TIMEOUT),
          Map.entry("CLIENT_IDLE_TIMEOUT", LONGEST_CLIENT_IDLE_TIMEOUT),
          Map.entry("CLIENT_SEND_TIMEOUT", LONGEST_CLIENT_SEND_TIMEOUT),
          Map.entry("UNIVERSITIES_CACHE_TIMEOUT", LONGEST_CACHE_LIFETIME),
          Map.entry("CACHE_DEFAULT_TIMEOUT", LONGEST_CACHE_LIFETIME),
          Map.entry("ttl", LONGEST_CACHE_LIFETIME),
          Map.entry("CACHE_STALE_WHILE_REVALIDATE", LONGEST_CACHE_LIFETIME),
          Map.entry("staleWhileRevalidate", LONGEST_CACHE_LIFETIME),
          Map.entry("CACHE_STALE_IF_ERROR", LONGEST_CACHE_LIFETIME),
          Map.entry("staleIfError", LONGEST_CACHE_LIFETIME));

  private DurationWarnings() {}

  /**
   * A warning when {@code value}, read from {@code text}, is longer than makes sense for {@code
   * setting}; it starts with {@code what}, which names where the value was set.
   */
  static Optional<String> check(String setting, String what, String text, Duration value) {
    Duration longest = LONGEST.get(setting);
    if (longest == null || value.compareTo(longest) <= 0) {
      return Optional.empty();
    }
    boolean seconds = Durations.isBareNumber(text);
    String read =
        seconds
            ? text.strip() + " seconds (" + DurationText.of(value) + ")"
            : DurationText.of(value);
    String hint =
        seconds
            ? ": a number without a unit is seconds; for milliseconds write " + text.strip() + "ms"
            : "";
    return Optional.of(
        what
            + " is read as "
            + read
            + ", more than the "
            + DurationText.of(longest)
            + " that makes sense for it"
            + hint);
  }
}
