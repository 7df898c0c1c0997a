package cachegate.engine;

import java.util.function.BiConsumer;

/**
 * Port to one span of a trace: a timed step of a request, as the engine and the HTTP layer see it,
 * without naming any tracing library. {@link #none()} records nothing and costs nothing; the
 * OpenTelemetry adapter lives in {@code cachegate.tracing}.
 *
 * <p>Implementations are thread-safe, and every method may be called after {@link #end()}, when it
 * does nothing. A span may end after its parent (a store write that follows the answer).
 */
public interface Span {
  /** What a span stands for, as OpenTelemetry's span kinds say it. */
  enum Kind {
    /** Work inside cachegate: a store lookup, the fetch lease, a store write. */
    INTERNAL,
    /** A call that leaves cachegate and carries the trace with it: the upstream request. */
    CLIENT
  }

  /** A span started now, under this one. */
  Span child(String name, Kind kind);

  /** Sets an attribute; setting one again replaces it. */
  Span attribute(String key, String value);

  /** Sets a numeric attribute. */
  Span attribute(String key, long value);

  /** Sets a boolean attribute. */
  Span attribute(String key, boolean value);

  /** Links this span to another trace: the one that fetched the entry a hit served. */
  void link(TraceLink other);

  /** Where this span can be found, for the entry it fetched; {@link TraceLink#NONE} if nowhere. */
  TraceLink reference();

  /**
   * Hands {@code header} the W3C Trace Context headers ({@code traceparent}, {@code tracestate})
   * that carry this span to the next hop; none when nothing is traced.
   */
  void propagate(BiConsumer<String, String> header);

  /** Marks the span failed, with what went wrong; the first failure marked is the one kept. */
  void failed(Throwable failure);

  /** Ends the span; later calls change nothing. */
  void end();

  /** A span that records nothing: every call is a no-op, and its children are itself. */
  static Span none() {
    return NoSpan.INSTANCE;
  }
}
