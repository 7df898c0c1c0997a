package cachegate.engine;

import java.time.Duration;
import java.time.Instant;

/**
 * The assessment of a stored entry at an instant: a pure function of (entry, now, policy), with no
 * clock read and no I/O, modelled on OkHttp's {@code CacheStrategy}.
 */
public enum Freshness {
  /** Younger than its freshness lifetime: serve it as it is. */
  FRESH,
  /** Too old to serve: fetch from the upstream. */
  EXPIRED;

  /**
   * RFC 9111 §4.2: an entry is fresh while its age is below its freshness lifetime. The lifetime is
   * the smaller of the TTL stored with the entry and the policy's current TTL, so that lowering the
   * configured TTL takes effect for entries already stored.
   */
  public static Freshness assess(CachedResponse entry, Instant now, CachePolicy policy) {
    Duration lifetime = min(entry.ttl(), policy.ttl());
    return entry.age(now).compareTo(lifetime) < 0 ? FRESH : EXPIRED;
  }

  /** RFC 9111 §4.2.1: the freshness lifetime left at {@code now}, never negative. */
  public static Duration remaining(CachedResponse entry, Instant now, CachePolicy policy) {
    Duration left = min(entry.ttl(), policy.ttl()).minus(entry.age(now));
    return left.isNegative() ? Duration.ZERO : left;
  }

  private static Duration min(Duration a, Duration b) {
    return a.compareTo(b) <= 0 ? a : b;
  }
}
