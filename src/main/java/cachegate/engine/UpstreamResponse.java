package cachegate.engine;

import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * A usable upstream answer: a 2xx status, or a 4xx the route passes on to its client (cached when
 * the route caches that status), with a JSON body, whole or passed on as it arrives; or a {@code
 * 304 Not Modified} to a conditional request, with an empty body.
 *
 * @param status the upstream's HTTP status
 * @param contentType the media type to serve the body with
 * @param body the body
 * @param setCookies the upstream's {@code Set-Cookie} headers
 * @param cacheControl the upstream's {@code Cache-Control} header, empty if none
 * @param validators the upstream's {@code ETag} and {@code Last-Modified}
 * @param expires the upstream's {@code Expires} header, empty if none
 * @param date the upstream's {@code Date} header, empty if none
 */
public record UpstreamResponse(
    int status,
    String contentType,
    UpstreamBody body,
    List<String> setCookies,
    String cacheControl,
    Validators validators,
    String expires,
    String date) {
  /** The status of an answer to a conditional request whose stored answer is still current. */
  public static final int NOT_MODIFIED = 304;

  public UpstreamResponse {
    Objects.requireNonNull(contentType, "contentType");
    Objects.requireNonNull(body, "body");
    setCookies = List.copyOf(setCookies);
    Objects.requireNonNull(cacheControl, "cacheControl");
    Objects.requireNonNull(validators, "validators");
    Objects.requireNonNull(expires, "expires");
    Objects.requireNonNull(date, "date");
  }

  /** An answer without validators, {@code Expires} or {@code Date}. */
  public UpstreamResponse(
      int status,
      String contentType,
      UpstreamBody body,
      List<String> setCookies,
      String cacheControl) {
    this(status, contentType, body, setCookies, cacheControl, Validators.NONE, "", "");
  }

  /** A whole answer without cookies or cache directives. */
  public UpstreamResponse(int status, String contentType, byte[] body) {
    this(status, contentType, new UpstreamBody.Whole(body), List.of(), "");
  }

  /** This answer with {@code other} for its body. */
  public UpstreamResponse withBody(UpstreamBody other) {
    return new UpstreamResponse(
        status, contentType, other, setCookies, cacheControl, validators, expires, date);
  }

  /** Whether this says the stored answer asked about is still current. */
  public boolean isNotModified() {
    return status == NOT_MODIFIED;
  }

  /**
   * Whether the answer may be shared from a cache: not when it sets a cookie (each client's own),
   * not when it says {@code no-store} (RFC 9111 §5.2.2.3), and not when it says {@code private}
   * (§5.2.2.7) unless the route stores such answers ({@link CachePolicy.UpstreamPrivate#STORE}).
   * Other directives, such as {@code max-age}, matter only to a route that takes its TTL from the
   * upstream ({@link UpstreamTtl}).
   */
  public boolean isStorable(CachePolicy.UpstreamPrivate upstreamPrivate) {
    if (!setCookies.isEmpty()) {
      return false;
    }
    String directives = cacheControl.toLowerCase(Locale.ROOT);
    return !NO_STORE.matcher(directives).matches()
        && (upstreamPrivate == CachePolicy.UpstreamPrivate.STORE
            || !PRIVATE.matcher(directives).matches());
  }

  /** Compiled once: {@link String#matches} would compile them for every answer. */
  private static final Pattern NO_STORE = directive("no-store");

  private static final Pattern PRIVATE = directive("private");

  /** A {@code Cache-Control} value (lower-cased) that has the directive {@code name}. */
  private static Pattern directive(String name) {
    return Pattern.compile("(^|.*[,\\s])" + Pattern.quote(name) + "([,=\\s].*|$)");
  }
}
