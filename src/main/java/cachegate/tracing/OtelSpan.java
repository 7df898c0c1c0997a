package cachegate.tracing;

import cachegate.engine.Failures;
import cachegate.engine.Span;
import cachegate.engine.TraceLink;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.TraceFlags;
import io.opentelemetry.api.trace.TraceState;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.propagation.TextMapPropagator;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BiConsumer;

/** An OpenTelemetry span behind the engine's {@link Span} port. Thread-safe, as the SDK's spans. */
final class OtelSpan implements Span {
  private final io.opentelemetry.api.trace.Span span;
  private final Tracer tracer;
  private final TextMapPropagator propagator;
  private final AtomicBoolean failed = new AtomicBoolean();

  OtelSpan(io.opentelemetry.api.trace.Span span, Tracer tracer, TextMapPropagator propagator) {
    this.span = span;
    this.tracer = tracer;
    this.propagator = propagator;
  }

  @Override
  public Span child(String name, Kind kind) {
    io.opentelemetry.api.trace.Span child =
        tracer
            .spanBuilder(name)
            .setParent(Context.root().with(span))
            .setSpanKind(kind == Kind.CLIENT ? SpanKind.CLIENT : SpanKind.INTERNAL)
            .startSpan();
    return new OtelSpan(child, tracer, propagator);
  }

  @Override
  public Span attribute(String key, String value) {
    span.setAttribute(key, value);
    return this;
  }

  @Override
  public Span attribute(String key, long value) {
    span.setAttribute(key, value);
    return this;
  }

  @Override
  public Span attribute(String key, boolean value) {
    span.setAttribute(key, value);
    return this;
  }

  @Override
  public void link(TraceLink other) {
    if (other.isPresent()) {
      span.addLink(
          SpanContext.createFromRemoteParent(
              other.traceId(), other.spanId(), TraceFlags.getSampled(), TraceState.getDefault()));
    }
  }

  /** This span's ids; none for a span that is not sampled (it will never be exported). */
  @Override
  public TraceLink reference() {
    SpanContext context = span.getSpanContext();
    return context.isValid() && context.isSampled()
        ? new TraceLink(context.getTraceId(), context.getSpanId())
        : TraceLink.NONE;
  }

  @Override
  public void propagate(BiConsumer<String, String> header) {
    propagator.inject(
        Context.root().with(span),
        header,
        (carrier, name, value) -> {
          if (carrier != null) {
            carrier.accept(name, value);
          }
        });
  }

  /**
   * OpenTelemetry's error status with what went wrong, and {@code error.type}; the first failure is
   * kept (the engine's cause, not the 5xx the HTTP layer then answers).
   */
  @Override
  public void failed(Throwable failure) {
    if (!failed.compareAndSet(false, true)) {
      return;
    }
    Throwable cause = Failures.unwrap(failure);
    span.setStatus(StatusCode.ERROR, Failures.describe(cause));
    span.setAttribute("error.type", cause.getClass().getName());
  }

  @Override
  public void end() {
    span.end();
  }

  /** The span behind this, for tests of the adapter. */
  io.opentelemetry.api.trace.Span span() {
    return span;
  }
}
