package cachegate.engine;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * A usable upstream answer: a 2xx status and a body already checked to be JSON.
 *
 * @param status the upstream's HTTP status
 * @param contentType the media type to serve the body with
 * @param body the body bytes, shared and never modified
 * @param setCookies the upstream's {@code Set-Cookie} headers
 * @param cacheControl the upstream's {@code Cache-Control} header, empty if none
 */
public record UpstreamResponse(
    int status, String contentType, byte[] body, List<String> setCookies, String cacheControl) {
  public UpstreamResponse {
    Objects.requireNonNull(contentType, "contentType");
    Objects.requireNonNull(body, "body");
    setCookies = List.copyOf(setCookies);
    Objects.requireNonNull(cacheControl, "cacheControl");
  }

  /** An answer without cookies or cache directives. */
  public UpstreamResponse(int status, String contentType, byte[] body) {
    this(status, contentType, body, List.of(), "");
  }

  /**
   * Whether the answer may be shared from a cache: not when it sets a cookie, and not when it says
   * {@code private} or {@code no-store} (RFC 9111 §5.2.2.3, §5.2.2.7). Other directives, such as
   * {@code max-age}, do not matter: cachegate's policy decides freshness.
   */
  public boolean isStorable() {
    String directives = cacheControl.toLowerCase(Locale.ROOT);
    return setCookies.isEmpty()
        && !directives.matches("(^|.*[,\\s])(private|no-store)([,=\\s].*|$)");
  }

  @Override
  public boolean equals(Object other) {
    return other instanceof UpstreamResponse that
        && status == that.status
        && contentType.equals(that.contentType)
        && Arrays.equals(body, that.body)
        && setCookies.equals(that.setCookies)
        && cacheControl.equals(that.cacheControl);
  }

  @Override
  public int hashCode() {
    return Objects.hash(status, contentType, Arrays.hashCode(body), setCookies, cacheControl);
  }

  @Override
  public String toString() {
    return "UpstreamResponse[status=%d, contentType=%s, body=%d bytes, setCookies=%d, cacheControl=%s]"
        .formatted(status, contentType, body.length, setCookies.size(), cacheControl);
  }
}
