package cachegate.engine;

import java.util.Objects;

/**
 * A usable upstream answer: a 2xx status and a body already checked to be JSON.
 *
 * @param status the upstream's HTTP status
 * @param contentType the media type to serve the body with
 * @param body the body bytes, shared and never modified
 */
public record UpstreamResponse(int status, String contentType, byte[] body) {
  public UpstreamResponse {
    Objects.requireNonNull(contentType, "contentType");
    Objects.requireNonNull(body, "body");
  }

  @Override
  public boolean equals(Object other) {
    return other instanceof UpstreamResponse that
        && status == that.status
        && contentType.equals(that.contentType)
        && java.util.Arrays.equals(body, that.body);
  }

  @Override
  public int hashCode() {
    return Objects.hash(status, contentType, java.util.Arrays.hashCode(body));
  }

  @Override
  public String toString() {
    return "UpstreamResponse[status=%d, contentType=%s, body=%d bytes]"
        .formatted(status, contentType, body.length);
  }
}
