package cachegate.config;

import java.time.Duration;
import java.util.Objects;

/**
 * How one route calls its upstream.
 *
 * @param timeout how long one upstream request may take in all before it is abandoned (504)
 * @param maxConcurrency the most requests in flight to the upstream at once
 * @param maxQueue the most requests waiting for one of those places; more get 503 at once
 */
public record UpstreamConfig(Duration timeout, int maxConcurrency, int maxQueue) {
  public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(10);
  public static final int DEFAULT_MAX_CONCURRENCY = 32;
  public static final int DEFAULT_MAX_QUEUE = 256;

  public UpstreamConfig {
    Objects.requireNonNull(timeout, "timeout");
    if (timeout.isNegative() || timeout.isZero()) {
      throw new ConfigException("upstream timeout must be positive, was " + timeout);
    }
    if (maxConcurrency < 1) {
      throw new ConfigException("upstream concurrency must be positive, was " + maxConcurrency);
    }
    if (maxQueue < 0) {
      throw new ConfigException("upstream queue must not be negative, was " + maxQueue);
    }
  }
}
