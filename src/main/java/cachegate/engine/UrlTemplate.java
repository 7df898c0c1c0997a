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
 */
public final class UrlTemplate {
  private static final Pattern PLACEHOLDER = Pattern.compile("\\{([A-Za-z0-9_.-]+)}");

  private final String template;
  private final List<String> literals;
  private final List<String> names;
  private final Set<String> placeholders;
  private final String origin;
  private final boolean hasQuery;

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
    int queryStart = template.indexOf('?');
    int authorityEnd = template.indexOf('/', uri.getScheme().length() + 3);
    for (int i = 0; i < names.size(); i++) {
      int at = starts.get(i);
      if (authorityEnd < 0 || at < authorityEnd || queryStart >= 0 && at > queryStart) {
        throw new IllegalArgumentException(
            "placeholders may stand only in the path of the upstream URL, {"
                + names.get(i)
                + "} does not in '"
                + template
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

  /** Scheme, host and port, for logs and {@code /health}. */
  public String origin() {
    return origin;
  }

  /**
   * The URL for these normalised parameters: placeholders filled (every one must be in {@code
   * params}), the rest as a form-encoded query in name order.
   */
  public String expand(SortedMap<String, String> params) {
    StringBuilder url = new StringBuilder(template.length() + 64);
    for (int i = 0; i < names.size(); i++) {
      String value = params.get(names.get(i));
      if (value == null) {
        throw new IllegalArgumentException("no value for {" + names.get(i) + "} in " + template);
      }
      url.append(literals.get(i)).append(pathSegment(value));
    }
    url.append(literals.get(names.size()));
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

  /** The template as written. */
  @Override
  public String toString() {
    return template;
  }

  private static URI check(String template, String filled) {
    URI uri;
    try {
      uri = new URI(filled);
    } catch (URISyntaxException e) {
      throw new IllegalArgumentException(
          "the upstream URL is not a valid URL: '" + template + "' (" + e.getReason() + ")");
    }
    if (!("http".equals(uri.getScheme()) || "https".equals(uri.getScheme()))
        || uri.getHost() == null) {
      throw new IllegalArgumentException(
          "the upstream URL must be an absolute http or https URL, was '" + template + "'");
    }
    if (uri.getRawFragment() != null) {
      throw new IllegalArgumentException(
          "the upstream URL must have no fragment, was '" + template + "'");
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
