package cachegate.upstream;

import cachegate.engine.CacheMetrics;

/**
 * What one route's upstream answers may cost.
 *
 * @param keepAtMost the largest body gathered to be stored (the route's {@code maxEntryBytes});
 *     larger ones are passed on as they arrive
 * @param maxBodyBytes the largest body read at all ({@code UPSTREAM_MAX_BODY_BYTES}): one that
 *     announces more is refused, one that grows past it is cut
 * @param memory the bytes of gathered answers the whole process may hold
 * @param metrics where limits reached are counted
 * @param route the route, as metrics name it
 */
record BodyLimits(
    long keepAtMost, long maxBodyBytes, ByteBudget memory, CacheMetrics metrics, String route) {
  /** The limit's name when an answer is larger than {@code maxBodyBytes}. */
  static final String TOO_LARGE = "upstream-answer-too-large";

  /** The limit's name when an {@code ETag} or {@code Last-Modified} is too long to keep. */
  static final String VALIDATOR_TOO_LONG = "upstream-validator-too-long";

  void reached(String limit) {
    metrics.limitReached(limit, route);
  }

  /** Counts {@code bytes} of an answer's body as they came over the wire. */
  void arrived(long bytes, boolean gzip) {
    metrics.upstreamBytes(route, gzip ? "gzip" : "identity", bytes);
  }
}
