package cachegate.engine;

import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.Objects;

/**
 * An upstream answer as the cache keeps it. Compares by content: two entries with equal bytes are
 * equal. The body array is shared, not copied, to keep the hit path free of copies; nobody may
 * modify it.
 *
 * @param status the upstream's HTTP status (always 2xx: nothing else is cached)
 * @param contentType the media type served with the body
 * @param body the body bytes as the upstream sent them
 * @param storedAt when the upstream answer was received
 * @param ttl the freshness lifetime it was stored with
 */
public record CachedResponse(
    int status, String contentType, byte[] body, Instant storedAt, Duration ttl) {

  public CachedResponse {
    Objects.requireNonNull(contentType, "contentType");
    Objects.requireNonNull(body, "body");
    Objects.requireNonNull(storedAt, "storedAt");
    Objects.requireNonNull(ttl, "ttl");
    if (status < 100 || status > 599) {
      throw new IllegalArgumentException("status must be an HTTP status, was " + status);
    }
  }

  /** RFC 9111 §4.2.3 age: time since the answer was received, never negative. */
  public Duration age(Instant now) {
    Duration age = Duration.between(storedAt, now);
    return age.isNegative() ? Duration.ZERO : age;
  }

  @Override
  public boolean equals(Object other) {
    return other instanceof CachedResponse that
        && status == that.status
        && contentType.equals(that.contentType)
        && Arrays.equals(body, that.body)
        && storedAt.equals(that.storedAt)
        && ttl.equals(that.ttl);
  }

  @Override
  public int hashCode() {
    return Objects.hash(status, contentType, Arrays.hashCode(body), storedAt, ttl);
  }

  @Override
  public String toString() {
    return "CachedResponse[status=%d, contentType=%s, body=%d bytes, storedAt=%s, ttl=%s]"
        .formatted(status, contentType, body.length, storedAt, ttl);
  }
}
