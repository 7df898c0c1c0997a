package cachegate.config;

import cachegate.engine.DurationText;
import cachegate.engine.RateLimit;
import java.time.Duration;
import java.util.List;
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
 * @param headers headers added to every upstream request (at least a {@code User-Agent}), never
 *     part of a cache key
 * @param query query parameters added to every upstream request, never part of a cache key
 * @param tlsCaFile a PEM file of the certificate authorities trusted for an {@code https} upstream;
 *     empty for the JVM's
 * @param proxy the proxy upstream requests go through, or {@link OutboundProxy#DIRECT}
 * @param rateLimit the most calls to the upstream in any period, across every instance sharing the
 *     Redis ({@link RateLimit#NONE}: not counted)
 * @param encoding what the upstream is asked to send
 */
public record UpstreamConfig(
    Duration timeout,
    int maxConcurrency,
    int maxQueue,
    Duration keepAlive,
    List<UpstreamField> headers,
    List<UpstreamField> query,
    String tlsCaFile,
    OutboundProxy proxy,
    RateLimit rateLimit,
    Encoding encoding) {
  /**
   * What cachegate asks the upstream to send: {@code gzip} ({@code Accept-Encoding: gzip}), or
   * {@code identity} for an upstream whose gzip misbehaves. Either way, an answer in gzip is read.
   */
  public enum Encoding {
    GZIP,
    IDENTITY
  }

  /** Most APIs compress: fewer bytes over the slow link that is the reason for caching. */
  public static final Encoding DEFAULT_ENCODING = Encoding.GZIP;

  public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(10);

  /** Below the 5 s idle timeout of Node.js, Apache httpd and uvicorn, far below nginx's 75 s. */
  public static final Duration DEFAULT_KEEP_ALIVE = Duration.ofSeconds(4);

  public static final int DEFAULT_MAX_CONCURRENCY = 32;
  public static final int DEFAULT_MAX_QUEUE = 256;

  /** Many APIs refuse requests without one (GitHub's among them). */
  public static final UpstreamField DEFAULT_USER_AGENT =
      new UpstreamField("User-Agent", "cachegate/" + Version.CURRENT, false);

  /**
   * The limits given, the default {@code User-Agent}, no other field, the JVM's CAs, no proxy, no
   * rate limit, gzip asked for.
   */
  public UpstreamConfig(Duration timeout, int maxConcurrency, int maxQueue, Duration keepAlive) {
    this(
        timeout,
        maxConcurrency,
        maxQueue,
        keepAlive,
        List.of(DEFAULT_USER_AGENT),
        List.of(),
        "",
        OutboundProxy.DIRECT,
        RateLimit.NONE,
        DEFAULT_ENCODING);
  }

  public UpstreamConfig {
    Objects.requireNonNull(rateLimit, "rateLimit");
    Objects.requireNonNull(encoding, "encoding");
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
    headers = List.copyOf(headers);
    query = List.copyOf(query);
    Objects.requireNonNull(tlsCaFile, "tlsCaFile");
    Objects.requireNonNull(proxy, "proxy");
  }

  /**
   * Whether requests carry credentials cachegate adds: a query parameter, or a header other than
   * {@code User-Agent}. A 401 or 403 from such an upstream says they were refused.
   */
  public boolean sendsCredentials() {
    return !query.isEmpty() || headers.stream().anyMatch(header -> !header.isNamed("User-Agent"));
  }

  /** These settings with {@code headers} and {@code query} added to every request. */
  public UpstreamConfig withFields(List<UpstreamField> headers, List<UpstreamField> query) {
    return new UpstreamConfig(
        timeout,
        maxConcurrency,
        maxQueue,
        keepAlive,
        headers,
        query,
        tlsCaFile,
        proxy,
        rateLimit,
        encoding);
  }

  /** These settings trusting the authorities of {@code tlsCaFile} (empty: the JVM's). */
  public UpstreamConfig withTlsCaFile(String tlsCaFile) {
    return new UpstreamConfig(
        timeout,
        maxConcurrency,
        maxQueue,
        keepAlive,
        headers,
        query,
        tlsCaFile,
        proxy,
        rateLimit,
        encoding);
  }

  /** These settings calling through {@code proxy}. */
  public UpstreamConfig withProxy(OutboundProxy proxy) {
    return new UpstreamConfig(
        timeout,
        maxConcurrency,
        maxQueue,
        keepAlive,
        headers,
        query,
        tlsCaFile,
        proxy,
        rateLimit,
        encoding);
  }

  /** This asking the upstream for {@code encoding}. */
  public UpstreamConfig withEncoding(Encoding encoding) {
    return new UpstreamConfig(
        timeout,
        maxConcurrency,
        maxQueue,
        keepAlive,
        headers,
        query,
        tlsCaFile,
        proxy,
        rateLimit,
        encoding);
  }

  /** This with {@code limit} for its rate limit. */
  public UpstreamConfig withRateLimit(RateLimit limit) {
    return new UpstreamConfig(
        timeout,
        maxConcurrency,
        maxQueue,
        keepAlive,
        headers,
        query,
        tlsCaFile,
        proxy,
        limit,
        encoding);
  }
}
