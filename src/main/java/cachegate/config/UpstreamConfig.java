package cachegate.config;

import java.net.URI;
import java.time.Duration;
import java.util.Objects;

/**
 * The API cachegate caches.
 *
 * @param baseUrl scheme, host, optional port and path prefix of the upstream, without a trailing
 *     slash
 * @param timeout how long one upstream request may take in all before it is abandoned (504)
 */
public record UpstreamConfig(URI baseUrl, Duration timeout) {
  public static final URI DEFAULT_UNIVERSITIES_URL = URI.create("http://universities.hipolabs.com");
  public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(10);

  public UpstreamConfig {
    Objects.requireNonNull(baseUrl, "baseUrl");
    Objects.requireNonNull(timeout, "timeout");
    String scheme = baseUrl.getScheme();
    if (!("http".equals(scheme) || "https".equals(scheme)) || baseUrl.getHost() == null) {
      throw new ConfigException(
          "UNIVERSITIES_API_URL must be an absolute http or https URL, was '" + baseUrl + "'");
    }
    if (baseUrl.getRawQuery() != null || baseUrl.getRawFragment() != null) {
      throw new ConfigException(
          "UNIVERSITIES_API_URL must have no query or fragment, was '" + baseUrl + "'");
    }
    if (timeout.isNegative() || timeout.isZero()) {
      throw new ConfigException("UPSTREAM_TIMEOUT must be positive, was " + timeout);
    }
  }

  /** The base URL without a trailing slash, ready to have a path appended. */
  public String base() {
    String url = baseUrl.toString();
    return url.endsWith("/") ? url.substring(0, url.length() - 1) : url;
  }
}
