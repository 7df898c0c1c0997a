package cachegate.http;

import cachegate.engine.ResponseBody;
import java.util.Locale;

/** Content negotiation and validators, read straight from request headers. */
final class Negotiation {
  private Negotiation() {}

  /**
   * RFC 9110 §12.5.3: whether {@code Accept-Encoding} allows gzip, i.e. lists {@code gzip} (or
   * {@code x-gzip}, or {@code *}) without {@code q=0}.
   */
  static boolean acceptsGzip(String acceptEncoding) {
    if (acceptEncoding == null) {
      return false;
    }
    boolean wildcard = false;
    for (String part : acceptEncoding.split(",")) {
      String[] pieces = part.split(";");
      String coding = pieces[0].strip().toLowerCase(Locale.ROOT);
      boolean refused = false;
      for (int i = 1; i < pieces.length; i++) {
        String parameter = pieces[i].strip().toLowerCase(Locale.ROOT).replace(" ", "");
        if (parameter.matches("q=0(\\.0{0,3})?")) {
          refused = true;
        }
      }
      if (coding.equals("gzip") || coding.equals("x-gzip")) {
        return !refused;
      }
      if (coding.equals("*")) {
        wildcard = !refused;
      }
    }
    return wildcard;
  }

  /**
   * RFC 9110 §13.1.2: whether {@code If-None-Match} names either representation's entity tag (weak
   * comparison: a {@code W/} prefix is ignored), or is {@code *}.
   */
  static boolean matchesAny(String ifNoneMatch, ResponseBody body) {
    if (ifNoneMatch == null) {
      return false;
    }
    for (String candidate : ifNoneMatch.split(",")) {
      String tag = candidate.strip();
      if (tag.equals("*")) {
        return true;
      }
      if (tag.startsWith("W/")) {
        tag = tag.substring(2);
      }
      if (tag.equals(body.etag()) || tag.equals(body.gzipEtag())) {
        return true;
      }
    }
    return false;
  }
}
