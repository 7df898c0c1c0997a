package cachegate.config;

import cachegate.engine.DurationText;
import cachegate.engine.RateLimit;
import java.time.Duration;
import java.util.Objects;

/**
 * How one route calls its upstream.
 *
 * @param timeout how long one upstream request may take in all before it is abandoned (504)
 * @param maxConcurrency the most requests in flight to the upstream at once
 * @param maxQueue the most requests waiting for one of those places; more get 503 at once
 * @param keepAlive how long an idle connection to the upstream is kept for the next request, in
 *     whole seconds (zero: a new connection per request); best shorter than the upstream's own idle
 *     timeout, so that cachegate, not the upstream, closes idle connections
 * @param rateLimit the most calls to the upstream in any period, across every instance sharing the
 *     Redis ({@link RateLimit#NONE}: not counted)
 */
public record UpstreamConfig(
    Duration timeout, int maxConcurrency, int maxQueue, Duration keepAlive, RateLimit rateLimit) {
  public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(10);

  /** Below the 5 s idle timeout of Node.js, Apache httpd and uvicorn, far below nginx's 75 s. */
  public static final Duration DEFAULT_KEEP_ALIVE = Duration.ofSeconds(4);

  public static final int DEFAULT_MAX_CONCURRENCY = 32;
  public static final int DEFAULT_MAX_QUEUE = 256;

  /** Without a rate limit. */
  public UpstreamConfig(Duration timeout, int maxConcurrency, int maxQueue, Duration keepAlive) {
    this(timeout, maxConcurrency, maxQueue, keepAlive, RateLimit.NONE);
  }

  public UpstreamConfig {
    Objects.requireNonNull(rateLimit, "rateLimit");
    Objects.requireNonNull(timeout, "timeout");
    if (timeout.isNegative() || timeout.isZero()) {
      throw new ConfigException(
          "upstream timeout must be positive, was " + DurationText.of(timeout));
    }
    if (maxConcurrency < 1) {
      throw new ConfigException("upstream concurrency must be positive, was " + maxConcurrency);
    }
    if (maxQueue < 0) {
      throw new ConfigException("upstream queue must not be negative, was " + maxQueue);
    }
    Objects.requireNonNull(keepAlive, "keepAlive");
    if (keepAlive.isNegative() || keepAlive.toMillis() % 1000 != 0) {
      throw new ConfigException(
          "upstream keep-alive must be whole seconds, was " + DurationText.of(keepAlive));
    }
  }

  /** This with {@code limit} for its rate limit. */
  public UpstreamConfig withRateLimit(RateLimit limit) {
    return new UpstreamConfig(timeout, maxConcurrency, maxQueue, keepAlive, limit);
  }
}
