package cachegate.tracing;

import static org.assertj.core.api.Assertions.assertThat;

import cachegate.config.TracingConfig;
import cachegate.engine.Span;
import cachegate.engine.TraceLink;
import cachegate.engine.UpstreamException;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.data.SpanData;
import java.net.URI;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class OtelTracerTest {
  private static final String CLIENT_TRACE = "4bf92f3577b34da6a3ce929d0e0e4736";
  private static final String CLIENT_SPAN = "00f067aa0ba902b7";

  private final InMemorySpanExporter exporter = InMemorySpanExporter.create();

  @Test
  void aServerSpanContinuesTheTraceTheClientsTraceparentNames() {
    OtelTracer tracer = tracer(TracingConfig.Sampler.PARENTBASED_ALWAYS_ON);
    Map<String, String> headers =
        Map.of(
            "traceparent",
            "00-" + CLIENT_TRACE + "-" + CLIENT_SPAN + "-01",
            "tracestate",
            "vendor=1");

    Span server = tracer.serverSpan("GET /universities", headers::get);
    server.end();

    SpanData span = exported(tracer).get(0);
    assertThat(span.getTraceId()).isEqualTo(CLIENT_TRACE);
    assertThat(span.getParentSpanId()).isEqualTo(CLIENT_SPAN);
    assertThat(span.getKind()).isEqualTo(SpanKind.SERVER);
    assertThat(span.getName()).isEqualTo("GET /universities");
    assertThat(span.getSpanContext().getTraceState().get("vendor")).isEqualTo("1");
  }

  @Test
  void withoutATraceparentARequestStartsATraceOfItsOwn() {
    OtelTracer tracer = tracer(TracingConfig.Sampler.PARENTBASED_ALWAYS_ON);

    Span server = tracer.serverSpan("GET /universities", name -> null);
    server.end();

    SpanData span = exported(tracer).get(0);
    assertThat(span.getParentSpanContext().isValid()).isFalse();
    assertThat(server.reference().traceId()).isEqualTo(span.getTraceId());
    assertThat(server.reference().spanId()).isEqualTo(span.getSpanId());
  }

  @Test
  void childrenShareTheTraceAndNameTheirParentAndKind() {
    OtelTracer tracer = tracer(TracingConfig.Sampler.ALWAYS_ON);
    Span server = tracer.serverSpan("GET /universities", name -> null);

    Span call = server.child("GET", Span.Kind.CLIENT);
    Span write = server.child("cachegate.store.write", Span.Kind.INTERNAL);
    call.end();
    write.end();
    server.end();

    List<SpanData> spans = exported(tracer);
    SpanData root = named(spans, "GET /universities");
    assertThat(named(spans, "GET").getParentSpanId()).isEqualTo(root.getSpanId());
    assertThat(named(spans, "GET").getKind()).isEqualTo(SpanKind.CLIENT);
    assertThat(named(spans, "GET").getTraceId()).isEqualTo(root.getTraceId());
    assertThat(named(spans, "cachegate.store.write").getKind()).isEqualTo(SpanKind.INTERNAL);
    assertThat(named(spans, "cachegate.store.write").getParentSpanId()).isEqualTo(root.getSpanId());
  }

  @Test
  void propagatingGivesTheW3cTraceparentOfTheSpanItself() {
    OtelTracer tracer = tracer(TracingConfig.Sampler.ALWAYS_ON);
    Span call = tracer.serverSpan("GET /x", name -> null).child("GET", Span.Kind.CLIENT);
    Map<String, String> sent = new LinkedHashMap<>();

    call.propagate(sent::put);

    TraceLink self = call.reference();
    String traceparent = sent.get("traceparent");
    assertThat(traceparent).startsWith("00-" + self.traceId() + "-" + self.spanId() + "-");
    int flags = Integer.parseInt(traceparent.substring(traceparent.length() - 2), 16);
    assertThat(flags & 1).as("sampled flag of " + traceparent).isEqualTo(1);
  }

  @Test
  void attributesLinksAndFailuresReachTheExportedSpan() {
    OtelTracer tracer = tracer(TracingConfig.Sampler.ALWAYS_ON);
    Span server = tracer.serverSpan("GET /universities", name -> null);

    server
        .attribute("cachegate.outcome", "HIT")
        .attribute("http.response.status_code", 502)
        .attribute("cachegate.collapsed", true);
    server.link(new TraceLink(CLIENT_TRACE, CLIENT_SPAN));
    server.link(TraceLink.NONE);
    server.failed(UpstreamException.badStatus("GET http://upstream/search", 500));
    server.failed(new IllegalStateException("answered 502"));
    server.end();

    SpanData span = exported(tracer).get(0);
    assertThat(span.getAttributes().get(AttributeKey.stringKey("cachegate.outcome")))
        .isEqualTo("HIT");
    assertThat(span.getAttributes().get(AttributeKey.longKey("http.response.status_code")))
        .isEqualTo(502L);
    assertThat(span.getAttributes().get(AttributeKey.booleanKey("cachegate.collapsed"))).isTrue();
    assertThat(span.getLinks()).hasSize(1);
    assertThat(span.getLinks().get(0).getSpanContext().getTraceId()).isEqualTo(CLIENT_TRACE);
    assertThat(span.getLinks().get(0).getSpanContext().getSpanId()).isEqualTo(CLIENT_SPAN);
    assertThat(span.getStatus().getStatusCode()).isEqualTo(StatusCode.ERROR);
    assertThat(span.getStatus().getDescription()).contains("500");
    assertThat(span.getAttributes().get(AttributeKey.stringKey("error.type")))
        .isEqualTo(UpstreamException.class.getName());
  }

  @Test
  void theResourceNamesTheServiceAndItsAttributes() {
    OtelTracer tracer = tracer(TracingConfig.Sampler.ALWAYS_ON);

    tracer.serverSpan("GET /x", name -> null).end();

    SpanData span = exported(tracer).get(0);
    assertThat(span.getResource().getAttribute(AttributeKey.stringKey("service.name")))
        .isEqualTo("gateway-eu");
    assertThat(span.getResource().getAttribute(AttributeKey.stringKey("deployment.environment")))
        .isEqualTo("test");
    assertThat(span.getResource().getAttribute(AttributeKey.stringKey("service.version")))
        .isEqualTo("1.2.3");
  }

  @Test
  void anUnsampledTraceIsNotExportedAndGivesNoReferenceToKeep() {
    OtelTracer tracer = tracer(TracingConfig.Sampler.PARENTBASED_ALWAYS_ON);
    Map<String, String> notSampled =
        Map.of("traceparent", "00-" + CLIENT_TRACE + "-" + CLIENT_SPAN + "-00");

    Span server = tracer.serverSpan("GET /x", notSampled::get);
    Span child = server.child("cachegate.lookup", Span.Kind.INTERNAL);
    child.end();
    server.end();

    assertThat(server.reference()).isEqualTo(TraceLink.NONE);
    assertThat(exported(tracer)).isEmpty();
  }

  @Test
  void aRatioOfZeroRecordsNothing() {
    OtelTracer tracer = tracer(TracingConfig.Sampler.TRACEIDRATIO, 0.0);

    tracer.serverSpan("GET /x", name -> null).end();

    assertThat(exported(tracer)).isEmpty();
  }

  private OtelTracer tracer(TracingConfig.Sampler sampler) {
    return tracer(sampler, 1.0);
  }

  private OtelTracer tracer(TracingConfig.Sampler sampler, double ratio) {
    TracingConfig config =
        new TracingConfig(
            TracingConfig.Exporter.OTLP,
            URI.create("http://127.0.0.1:1/v1/traces"),
            "gateway-eu",
            Map.of("deployment.environment", "test"),
            sampler,
            ratio);
    return new OtelTracer(config, exporter, "1.2.3");
  }

  /** Every span ended, once the tracer has sent them. */
  private List<SpanData> exported(OtelTracer tracer) {
    tracer.flush();
    List<SpanData> spans = exporter.getFinishedSpanItems();
    tracer.close();
    return spans;
  }

  private static SpanData named(List<SpanData> spans, String name) {
    return spans.stream().filter(s -> s.getName().equals(name)).findFirst().orElseThrow();
  }
}
