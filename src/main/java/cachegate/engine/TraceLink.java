package cachegate.engine;

import java.util.Objects;

/**
 * Where a span can be found: its W3C trace id (32 lowercase hex digits) and span id (16), as an
 * entry keeps them to name the trace that fetched it. {@link #NONE} names nothing.
 *
 * @param traceId the trace id, or empty
 * @param spanId the span id, or empty
 */
public record TraceLink(String traceId, String spanId) {
  /** No trace: the entry was fetched while tracing was off. */
  public static final TraceLink NONE = new TraceLink("", "");

  public TraceLink {
    Objects.requireNonNull(traceId, "traceId");
    Objects.requireNonNull(spanId, "spanId");
    boolean none = traceId.isEmpty() && spanId.isEmpty();
    if (!none && !(isHex(traceId, 32) && isHex(spanId, 16))) {
      throw new IllegalArgumentException(
          "a trace link is 32 and 16 lowercase hex digits, was " + traceId + "/" + spanId);
    }
  }

  /** Whether this names a trace. */
  public boolean isPresent() {
    return !traceId.isEmpty();
  }

  private static boolean isHex(String text, int length) {
    return text.length() == length
        && text.chars().allMatch(c -> (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'));
  }
}
