package cachegate.engine;

import java.time.Duration;
import java.util.Objects;

/**
 * One answer of the engine: the entry to serve and everything the response headers say about it,
 * derived from the same decision so that headers and behaviour cannot drift apart.
 *
 * @param entry what to serve
 * @param outcome what the cache did
 * @param key the cache key the entry belongs to
 * @param age RFC 9111 §5.1 {@code Age}
 * @param ttl freshness lifetime left, for RFC 9211 {@code Cache-Status: ttl}
 * @param stored whether this answer was written to the store
 */
public record CacheResult(
    CachedResponse entry,
    CacheOutcome outcome,
    CacheKey key,
    Duration age,
    Duration ttl,
    boolean stored) {
  public CacheResult {
    Objects.requireNonNull(entry, "entry");
    Objects.requireNonNull(outcome, "outcome");
    Objects.requireNonNull(key, "key");
    Objects.requireNonNull(age, "age");
    Objects.requireNonNull(ttl, "ttl");
  }
}
