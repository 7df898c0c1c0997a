package cachegate.engine;

import java.net.URI;
import java.net.URISyntaxException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SortedMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * An upstream URL with placeholders in its path, such as {@code
 * https://api.zippopotam.us/{country}/{code}}. {@link #expand} fills each placeholder with its
 * parameter's value, percent-encoded as one path segment, and sends every other parameter as the
 * query string, after any query the template has itself. Immutable.
 *
 * <p>It never shows a credential: a URL with {@code user:password@} is refused, and {@link
 * #toString()} and {@link #shown} write the values of the template's own query parameters whose
 * names read like credentials ({@code api_key}, {@code token}, {@code appid}, …) as {@code ***}.
 */
public final class UrlTemplate {
  private static final Pattern PLACEHOLDER = Pattern.compile("\\{([A-Za-z0-9_.-]+)}");

  /**
   * Names whose values are credentials: {@code Authorization}, {@code X-API-Key}, {@code api_key},
   * {@code appid}, {@code access_token}, {@code client_secret}, {@code sig}, …
   */
  private static final Pattern CREDENTIAL_NAME =
      Pattern.compile(
          "(?i).*(auth|key|token|secret|passw|pwd|signature|cookie|credential|session|appid).*"
              + "|(?i)sig|(?i).*[_-]sig");

  /** What a credential is shown as. */
  public static final String MASK = "***";

  private final String template;
  private final List<String> literals;
  private final List<String> names;
  private final Set<String> placeholders;
  private final String origin;
  private final boolean hasQuery;

  /** The last literal (where the template's own query is) with credential values masked. */
  private final String shownTail;

  private UrlTemplate(String template) {
    this.template = template;
    List<String> literalParts = new ArrayList<>();
    List<String> nameParts = new ArrayList<>();
    List<Integer> starts = new ArrayList<>();
    Matcher matcher = PLACEHOLDER.matcher(template);
    int last = 0;
    while (matcher.find()) {
      starts.add(matcher.start());
      literalParts.add(template.substring(last, matcher.start()));
      nameParts.add(matcher.group(1));
      last = matcher.end();
    }
    literalParts.add(template.substring(last));
    this.literals = List.copyOf(literalParts);
    this.names = List.copyOf(nameParts);
    this.placeholders = Set.copyOf(new LinkedHashSet<>(nameParts));
    URI uri = check(template, String.join("x", literals));
    this.origin = uri.getScheme() + "://" + uri.getRawAuthority();
    this.hasQuery = uri.getRawQuery() != null;
    this.shownTail = masked(literals.get(literals.size() - 1));
    int queryStart = template.indexOf('?');
    int authorityEnd = template.indexOf('/', uri.getScheme().length() + 3);
    for (int i = 0; i < names.size(); i++) {
      int at = starts.get(i);
      if (authorityEnd < 0 || at < authorityEnd || queryStart >= 0 && at > queryStart) {
        throw new IllegalArgumentException(
            "placeholders may stand only in the path of the upstream URL, {"
                + names.get(i)
                + "} does not in '"
                + safe(template)
                + "'");
      }
    }
  }

  /**
   * Parses {@code template}: an absolute http or https URL without a fragment, whose path may hold
   * {@code {name}} placeholders.
   *
   * @throws IllegalArgumentException saying what is wrong with it
   */
  public static UrlTemplate parse(String template) {
    return new UrlTemplate(template);
  }

  /** The names of the parameters the path needs. */
  public Set<String> placeholders() {
    return placeholders;
  }

  /** Whether a header or query parameter of this name carries a credential. */
  public static boolean isCredentialName(String name) {
    return CREDENTIAL_NAME.matcher(name).matches();
  }

  /** Scheme, host and port, for logs and {@code /health}. */
  public String origin() {
    return origin;
  }

  /**
   * The URL for these normalised parameters: placeholders filled (every one must be in {@code
   * params}), the rest as a form-encoded query in name order.
   */
  public String expand(SortedMap<String, String> params) {
    return expand(params, literals.get(names.size()));
  }

  /**
   * The URL for these parameters as logs and error messages write it: {@link #expand}, with the
   * values of credential parameters of the template's own query as {@value #MASK}.
   */
  public String shown(SortedMap<String, String> params) {
    return expand(params, shownTail);
  }

  private String expand(SortedMap<String, String> params, String tail) {
    StringBuilder url = new StringBuilder(template.length() + 64);
    for (int i = 0; i < names.size(); i++) {
      String value = params.get(names.get(i));
      if (value == null) {
        throw new IllegalArgumentException("no value for {" + names.get(i) + "} in " + this);
      }
      url.append(literals.get(i)).append(pathSegment(value));
    }
    url.append(tail);
    char separator = hasQuery ? '&' : '?';
    for (Map.Entry<String, String> param : params.entrySet()) {
      if (!placeholders.contains(param.getKey())) {
        url.append(separator).append(param.getKey()).append('=').append(form(param.getValue()));
        separator = '&';
      }
    }
    return url.toString();
  }

  @Override
  public boolean equals(Object other) {
    return other instanceof UrlTemplate that && template.equals(that.template);
  }

  @Override
  public int hashCode() {
    return template.hashCode();
  }

  /** The template as written, with credential values of its query as {@value #MASK}. */
  @Override
  public String toString() {
    String tail = literals.get(names.size());
    return template.substring(0, template.length() - tail.length()) + shownTail;
  }

  /** {@code text} with the values of query parameters named like credentials masked. */
  private static String masked(String text) {
    int query = text.indexOf('?');
    if (query < 0) {
      return text;
    }
    StringBuilder shown = new StringBuilder(text.substring(0, query + 1));
    String[] pairs = text.substring(query + 1).split("&", -1);
    for (int i = 0; i < pairs.length; i++) {
      int equals = pairs[i].indexOf('=');
      String name = equals < 0 ? pairs[i] : pairs[i].substring(0, equals);
      shown.append(i == 0 ? "" : "&");
      shown.append(equals >= 0 && isCredentialName(name) ? name + "=" + MASK : pairs[i]);
    }
    return shown.toString();
  }

  /** The template as messages may quote it: no user information, no credential values. */
  private static String safe(String template) {
    return masked(template.replaceFirst("^([A-Za-z][A-Za-z0-9+.-]*://)[^/?#]*@", "$1***@"));
  }

  private static URI check(String template, String filled) {
    URI uri;
    try {
      uri = new URI(filled);
    } catch (URISyntaxException e) {
      throw new IllegalArgumentException(
          "the upstream URL is not a valid URL: '" + safe(template) + "' (" + e.getReason() + ")");
    }
    if (!("http".equals(uri.getScheme()) || "https".equals(uri.getScheme()))
        || uri.getHost() == null) {
      throw new IllegalArgumentException(
          "the upstream URL must be an absolute http or https URL, was '" + safe(template) + "'");
    }
    if (uri.getRawUserInfo() != null) {
      // Written here it would show in logs and /health, and the client would not send it.
      throw new IllegalArgumentException(
          "the upstream URL must not hold credentials (user:password@); send them as a header,"
              + " e.g. Authorization: Basic <base64 of user:password> in upstreamHeaders");
    }
    if (uri.getRawFragment() != null) {
      throw new IllegalArgumentException(
          "the upstream URL must have no fragment, was '" + safe(template) + "'");
    }
    return uri;
  }

  private static String form(String value) {
    return URLEncoder.encode(value, StandardCharsets.UTF_8);
  }

  /** Percent-encoding for one path segment: spaces as {@code %20}, {@code /} escaped. */
  private static String pathSegment(String value) {
    return form(value).replace("+", "%20");
  }
}
