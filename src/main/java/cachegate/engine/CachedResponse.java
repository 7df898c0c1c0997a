package cachegate.engine;

import java.time.Duration;
import java.time.Instant;
import java.util.Objects;

/**
 * An upstream answer as the cache keeps it. Immutable; compares by content.
 *
 * @param status the upstream's HTTP status (always 2xx: nothing else is cached)
 * @param contentType the media type served with the body
 * @param body the body, identity and gzip, with its entity tag
 * @param storedAt when the upstream answer was received
 * @param ttl the freshness lifetime it was stored with (the policy's TTL less any jitter)
 * @param fetchTime how long the upstream took to answer, for early refresh (XFetch)
 * @param fetchedBy the span of the upstream call that fetched it, when that was traced: a hit's
 *     span links to it
 */
public record CachedResponse(
    int status,
    String contentType,
    ResponseBody body,
    Instant storedAt,
    Duration ttl,
    Duration fetchTime,
    TraceLink fetchedBy) {

  public CachedResponse {
    Objects.requireNonNull(fetchedBy, "fetchedBy");
    Objects.requireNonNull(contentType, "contentType");
    Objects.requireNonNull(body, "body");
    Objects.requireNonNull(storedAt, "storedAt");
    Objects.requireNonNull(ttl, "ttl");
    Objects.requireNonNull(fetchTime, "fetchTime");
    if (status < 100 || status > 599) {
      throw new IllegalArgumentException("status must be an HTTP status, was " + status);
    }
  }

  /** An entry not fetched by a traced call. */
  public CachedResponse(
      int status,
      String contentType,
      ResponseBody body,
      Instant storedAt,
      Duration ttl,
      Duration fetchTime) {
    this(status, contentType, body, storedAt, ttl, fetchTime, TraceLink.NONE);
  }

  /** An entry for {@code body} that took no measurable time to fetch. */
  public CachedResponse(
      int status, String contentType, byte[] body, Instant storedAt, Duration ttl) {
    this(status, contentType, ResponseBody.of(body), storedAt, ttl, Duration.ZERO);
  }

  /** This entry with its freshness ending at {@code now}: a soft purge. */
  public CachedResponse staleAt(Instant now) {
    return new CachedResponse(status, contentType, body, storedAt, age(now), fetchTime, fetchedBy);
  }

  /** RFC 9111 §4.2.3 age: time since the answer was received, never negative. */
  public Duration age(Instant now) {
    Duration age = Duration.between(storedAt, now);
    return age.isNegative() ? Duration.ZERO : age;
  }
}
