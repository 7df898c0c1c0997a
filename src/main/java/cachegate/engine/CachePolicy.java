package cachegate.engine;

import java.time.Duration;
import java.util.Objects;

/**
 * How long a route's answers stay fresh. It lives in the engine, beside {@link Freshness} which
 * reads it, so that the engine depends on nothing but the JDK.
 *
 * @param ttl how long an answer is served from the cache without asking the upstream
 */
public record CachePolicy(Duration ttl) {
  /** The tutorial's {@code @cache.cached(timeout=30)}. */
  public static final Duration DEFAULT_TTL = Duration.ofSeconds(30);

  public CachePolicy {
    Objects.requireNonNull(ttl, "ttl");
    if (ttl.isNegative() || ttl.isZero()) {
      throw new IllegalArgumentException("cache ttl must be positive, was " + ttl);
    }
  }

  /** How long a store keeps an entry: past this nothing could ever serve it. */
  public Duration retention() {
    return ttl;
  }
}
