package cachegate.engine;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.OptionalInt;

/**
 * One answer of the engine: the entry to serve and everything the response headers say about it,
 * derived from the same decision so that headers and behaviour cannot drift apart.
 *
 * @param entry what to serve
 * @param outcome what the cache did
 * @param key the cache key the entry belongs to
 * @param age RFC 9111 §5.1 {@code Age}
 * @param ttl freshness lifetime left, negative when stale (RFC 9211 {@code ttl})
 * @param stored whether an upstream answer fetched for this request is being written to the store:
 *     the write follows the answer, so this is what is expected of a store that was not failing
 * @param collapsed whether the answer came from a fetch made for another request (RFC 9211 {@code
 *     collapsed})
 * @param forwardStatus the upstream's status when the request went forward (RFC 9211 {@code
 *     fwd-status})
 * @param passThrough upstream headers to send on as they are: {@code Cache-Control} of an answer
 *     that may not be stored, and its {@code Set-Cookie} to the request that fetched it only
 */
public record CacheResult(
    CachedResponse entry,
    CacheOutcome outcome,
    CacheKey key,
    Duration age,
    Duration ttl,
    boolean stored,
    boolean collapsed,
    OptionalInt forwardStatus,
    List<Map.Entry<String, String>> passThrough)
    implements Answer {
  public CacheResult {
    Objects.requireNonNull(entry, "entry");
    Objects.requireNonNull(outcome, "outcome");
    Objects.requireNonNull(key, "key");
    Objects.requireNonNull(age, "age");
    Objects.requireNonNull(ttl, "ttl");
    Objects.requireNonNull(forwardStatus, "forwardStatus");
    passThrough = List.copyOf(passThrough);
  }
}
