package cachegate.tracing;

import cachegate.config.TracingConfig;
import cachegate.engine.Span;
import cachegate.engine.Tracer;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.common.AttributesBuilder;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.propagation.TextMapGetter;
import io.opentelemetry.context.propagation.TextMapPropagator;
import io.opentelemetry.exporter.otlp.http.trace.OtlpHttpSpanExporter;
import io.opentelemetry.sdk.resources.Resource;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.export.BatchSpanProcessor;
import io.opentelemetry.sdk.trace.export.SpanExporter;
import io.opentelemetry.sdk.trace.samplers.Sampler;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * The engine's {@link Tracer} port on the OpenTelemetry SDK: server spans continue the trace a
 * request's W3C {@code traceparent} names, and spans are batched and sent as OTLP over HTTP
 * (protobuf, with the JDK's HTTP client) to the configured endpoint. Built only when tracing is on,
 * so that with it off no OpenTelemetry class is loaded and no exporter thread runs. Thread-safe.
 */
public final class OtelTracer implements Tracer, AutoCloseable {
  /** How long {@link #close()} waits for the last spans to be sent. */
  static final Duration FLUSH_WAIT = Duration.ofSeconds(5);

  private static final String INSTRUMENTATION = "cachegate";

  private static final TextMapGetter<Function<String, String>> HEADERS =
      new TextMapGetter<>() {
        @Override
        public String get(Function<String, String> carrier, String key) {
          return carrier == null ? null : carrier.apply(key);
        }
      };

  private final SdkTracerProvider provider;
  private final io.opentelemetry.api.trace.Tracer tracer;
  private final TextMapPropagator propagator = W3CTraceContextPropagator.getInstance();

  /**
   * A tracer exporting to {@code exporter}, as {@code config} samples, tagged with its resource.
   */
  OtelTracer(TracingConfig config, SpanExporter exporter, String version) {
    this.provider =
        SdkTracerProvider.builder()
            .setResource(resource(config, version))
            .setSampler(sampler(config))
            .addSpanProcessor(BatchSpanProcessor.builder(exporter).build())
            .build();
    this.tracer = provider.get(INSTRUMENTATION, version);
  }

  /** A tracer sending spans to {@code config}'s OTLP/HTTP endpoint. */
  public static OtelTracer start(TracingConfig config, String version) {
    return new OtelTracer(
        config,
        OtlpHttpSpanExporter.builder().setEndpoint(config.endpoint().toString()).build(),
        version);
  }

  @Override
  public Span serverSpan(String name, Function<String, String> header) {
    Context parent = propagator.extract(Context.root(), header, HEADERS);
    io.opentelemetry.api.trace.Span span =
        tracer.spanBuilder(name).setParent(parent).setSpanKind(SpanKind.SERVER).startSpan();
    return new OtelSpan(span, tracer, propagator);
  }

  /** Sends the spans ended so far, waiting at most {@link #FLUSH_WAIT}. */
  void flush() {
    provider.forceFlush().join(FLUSH_WAIT.toMillis(), TimeUnit.MILLISECONDS);
  }

  /** Sends the spans still waiting, for at most {@link #FLUSH_WAIT}, and stops the exporter. */
  @Override
  public void close() {
    provider.shutdown().join(FLUSH_WAIT.toMillis(), TimeUnit.MILLISECONDS);
  }

  private static Resource resource(TracingConfig config, String version) {
    AttributesBuilder attributes = Attributes.builder();
    config.resourceAttributes().forEach(attributes::put);
    attributes.put("service.name", config.serviceName());
    attributes.put("service.version", version);
    return Resource.getDefault().merge(Resource.create(attributes.build()));
  }

  static Sampler sampler(TracingConfig config) {
    double ratio = config.samplerRatio();
    return switch (config.sampler()) {
      case ALWAYS_ON -> Sampler.alwaysOn();
      case ALWAYS_OFF -> Sampler.alwaysOff();
      case TRACEIDRATIO -> Sampler.traceIdRatioBased(ratio);
      case PARENTBASED_ALWAYS_ON -> Sampler.parentBased(Sampler.alwaysOn());
      case PARENTBASED_ALWAYS_OFF -> Sampler.parentBased(Sampler.alwaysOff());
      case PARENTBASED_TRACEIDRATIO -> Sampler.parentBased(Sampler.traceIdRatioBased(ratio));
    };
  }
}
