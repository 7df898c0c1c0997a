package cachegate.engine;

import java.util.function.Function;

/**
 * Port to a tracer: starts the span of one incoming request. {@link #none()} traces nothing (the
 * default: tracing is on only when asked for), so that no tracing library is loaded at all.
 * Thread-safe.
 */
public interface Tracer {
  /**
   * Starts the server span of a request named {@code name} ({@code GET /universities}), continuing
   * the trace its W3C {@code traceparent} and {@code tracestate} headers name, read with {@code
   * header} (which answers {@code null} for a header that is absent).
   */
  Span serverSpan(String name, Function<String, String> header);

  /** Whether spans are recorded: callers may skip work that only feeds spans. */
  default boolean isTracing() {
    return true;
  }

  /** A tracer that traces nothing: every span is {@link Span#none()}. */
  static Tracer none() {
    return new Tracer() {
      @Override
      public Span serverSpan(String name, Function<String, String> header) {
        return Span.none();
      }

      @Override
      public boolean isTracing() {
        return false;
      }
    };
  }
}
