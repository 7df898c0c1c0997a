package cachegate.engine;

import java.time.Duration;
import java.time.Instant;
import java.util.Objects;

/**
 * An upstream answer as the cache keeps it. Immutable; compares by content.
 *
 * @param status the upstream's HTTP status: 2xx, or a status the route caches ({@link
 *     CachePolicy#statusTtls()}, 404 and 410 by default)
 * @param contentType the media type served with the body
 * @param body the body, identity and gzip, with its entity tag
 * @param storedAt when the upstream answer was received
 * @param ttl the freshness lifetime it was stored with (the policy's TTL less any jitter)
 * @param fetchTime how long the upstream took to answer, for early refresh (XFetch)
 * @param validators the upstream's {@code ETag} and {@code Last-Modified}, sent back on refresh
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
    Validators validators,
    TraceLink fetchedBy) {

  public CachedResponse {
    Objects.requireNonNull(fetchedBy, "fetchedBy");
    Objects.requireNonNull(contentType, "contentType");
    Objects.requireNonNull(body, "body");
    Objects.requireNonNull(storedAt, "storedAt");
    Objects.requireNonNull(ttl, "ttl");
    Objects.requireNonNull(fetchTime, "fetchTime");
    Objects.requireNonNull(validators, "validators");
    if (status < 100 || status > 599) {
      throw new IllegalArgumentException("status must be an HTTP status, was " + status);
    }
  }

  /** An entry without validators, not fetched by a traced call. */
  public CachedResponse(
      int status,
      String contentType,
      ResponseBody body,
      Instant storedAt,
      Duration ttl,
      Duration fetchTime) {
    this(status, contentType, body, storedAt, ttl, fetchTime, Validators.NONE, TraceLink.NONE);
  }

  /** An entry for {@code body} that took no measurable time to fetch, without validators. */
  public CachedResponse(
      int status, String contentType, byte[] body, Instant storedAt, Duration ttl) {
    this(status, contentType, ResponseBody.of(body), storedAt, ttl, Duration.ZERO);
  }

  /** This entry with {@code other} for its body (the same content, held another way). */
  public CachedResponse withBody(ResponseBody other) {
    return new CachedResponse(
        status, contentType, other, storedAt, ttl, fetchTime, validators, fetchedBy);
  }

  /** This entry with its freshness ending at {@code now}: a soft purge. */
  public CachedResponse staleAt(Instant now) {
    return new CachedResponse(
        status, contentType, body, storedAt, age(now), fetchTime, validators, fetchedBy);
  }

  /**
   * This entry's body and status renewed by a {@code 304 Not Modified} (RFC 9111 §4.3.4): received
   * {@code now}, fresh for {@code ttl}, with the validators the 304 sent replacing the stored ones.
   * It still links to the trace that fetched its body.
   */
  public CachedResponse renewed(
      Instant now, Duration ttl, Duration fetchTime, Validators notModified) {
    return new CachedResponse(
        status,
        contentType,
        body,
        now,
        ttl,
        fetchTime,
        validators.updatedBy(notModified),
        fetchedBy);
  }

  /** Whether the upstream's status was 2xx (not a cached 404, 410, …). */
  public boolean isSuccess() {
    return status >= 200 && status <= 299;
  }

  /** RFC 9111 §4.2.3 age: time since the answer was received, never negative. */
  public Duration age(Instant now) {
    Duration age = Duration.between(storedAt, now);
    return age.isNegative() ? Duration.ZERO : age;
  }
}
