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
 * @param maxConcurrency the most requests in flight to the upstream at once
 * @param maxQueue the most requests waiting for one of those places; more get 503 at once
 */
public record UpstreamConfig(URI baseUrl, Duration timeout, int maxConcurrency, int maxQueue) {
  public static final URI DEFAULT_UNIVERSITIES_URL = URI.create("http://universities.hipolabs.com");
  public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(10);
  public static final int DEFAULT_MAX_CONCURRENCY = 32;
  public static final int DEFAULT_MAX_QUEUE = 256;

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
    if (maxConcurrency < 1) {
      throw new ConfigException("UPSTREAM_MAX_CONCURRENCY must be positive, was " + maxConcurrency);
    }
    if (maxQueue < 0) {
      throw new ConfigException("UPSTREAM_MAX_QUEUE must not be negative, was " + maxQueue);
    }
  }

  /** The base URL without a trailing slash, ready to have a path appended. */
  public String base() {
    String url = baseUrl.toString();
    return url.endsWith("/") ? url.substring(0, url.length() - 1) : url;
  }
}
