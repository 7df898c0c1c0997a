package cachegate.engine;

import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * A usable upstream answer: a 2xx status and a JSON body, whole or passed on as it arrives.
 *
 * @param status the upstream's HTTP status
 * @param contentType the media type to serve the body with
 * @param body the body
 * @param setCookies the upstream's {@code Set-Cookie} headers
 * @param cacheControl the upstream's {@code Cache-Control} header, empty if none
 * @param expires the upstream's {@code Expires} header, empty if none
 * @param date the upstream's {@code Date} header, empty if none
 */
public record UpstreamResponse(
    int status,
    String contentType,
    UpstreamBody body,
    List<String> setCookies,
    String cacheControl,
    String expires,
    String date) {
  public UpstreamResponse {
    Objects.requireNonNull(contentType, "contentType");
    Objects.requireNonNull(body, "body");
    setCookies = List.copyOf(setCookies);
    Objects.requireNonNull(cacheControl, "cacheControl");
    Objects.requireNonNull(expires, "expires");
    Objects.requireNonNull(date, "date");
  }

  /** An answer without {@code Expires} or {@code Date}. */
  public UpstreamResponse(
      int status,
      String contentType,
      UpstreamBody body,
      List<String> setCookies,
      String cacheControl) {
    this(status, contentType, body, setCookies, cacheControl, "", "");
  }

  /** A whole answer without cookies or cache directives. */
  public UpstreamResponse(int status, String contentType, byte[] body) {
    this(status, contentType, new UpstreamBody.Whole(body), List.of(), "");
  }

  /** This answer with {@code other} for its body. */
  public UpstreamResponse withBody(UpstreamBody other) {
    return new UpstreamResponse(
        status, contentType, other, setCookies, cacheControl, expires, date);
  }

  /**
   * Whether the answer may be shared from a cache: not when it sets a cookie, and not when it says
   * {@code private} or {@code no-store} (RFC 9111 §5.2.2.3, §5.2.2.7). Other directives, such as
   * {@code max-age}, matter only to a route that takes its TTL from the upstream ({@link
   * UpstreamTtl}).
   */
  public boolean isStorable() {
    String directives = cacheControl.toLowerCase(Locale.ROOT);
    return setCookies.isEmpty()
        && !directives.matches("(^|.*[,\\s])(private|no-store)([,=\\s].*|$)");
  }
}
