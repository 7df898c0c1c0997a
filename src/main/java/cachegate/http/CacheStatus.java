package cachegate.http;

import cachegate.engine.CacheOutcome;
import cachegate.engine.CacheResult;
import cachegate.engine.PassThrough;

/** RFC 9211 {@code Cache-Status}, built from the same result as {@code X-Cache} and {@code Age}. */
final class CacheStatus {
  /** RFC 9211 §2: the cache's identifier. */
  static final String CACHE_NAME = "cachegate";

  private CacheStatus() {}

  /**
   * {@code hit} when served from the cache without going forward; otherwise {@code fwd} with why
   * ({@code uri-miss}: nothing stored; {@code stale}: the entry was too old) and {@code
   * fwd-status}. {@code ttl} is the freshness left (negative when stale), {@code stored} says the
   * answer was written, {@code collapsed} that it came from a fetch made for another request.
   */
  static String of(CacheResult result) {
    StringBuilder value = new StringBuilder(CACHE_NAME);
    CacheOutcome outcome = result.outcome();
    if (outcome == CacheOutcome.HIT || outcome == CacheOutcome.STALE) {
      value.append("; hit");
    } else {
      value.append("; fwd=").append(outcome == CacheOutcome.MISS ? "uri-miss" : "stale");
      result.forwardStatus().ifPresent(status -> value.append("; fwd-status=").append(status));
    }
    if (result.stored()) {
      value.append("; stored");
    }
    if (result.collapsed()) {
      value.append("; collapsed");
    }
    if (outcome.isFromCache() || result.stored()) {
      value.append("; ttl=").append(result.ttl().toSeconds());
    }
    if (outcome == CacheOutcome.STALE_IF_ERROR) {
      value.append("; detail=stale-if-error");
    }
    return value
        .append("; key=\"")
        .append(sfString(result.key().redisKey()))
        .append('"')
        .toString();
  }

  /**
   * An answer passed on as it arrives: {@code fwd} with why, {@code fwd-status}, and a {@code
   * detail} saying why it was not stored ({@code too-large} or {@code no-memory}).
   */
  static String of(PassThrough passed) {
    return CACHE_NAME
        + "; fwd="
        + (passed.outcome() == CacheOutcome.MISS ? "uri-miss" : "stale")
        + "; fwd-status="
        + passed.status()
        + "; detail="
        + passed.body().reason().detail()
        + "; key=\""
        + sfString(passed.key().redisKey())
        + '"';
  }

  /** RFC 8941 §3.3.3 sf-string escaping. */
  private static String sfString(String text) {
    return text.replace("\\", "\\\\").replace("\"", "\\\"");
  }
}
