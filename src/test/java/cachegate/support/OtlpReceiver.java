package cachegate.support;

import com.sun.net.httpserver.HttpServer;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceResponse;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.resource.v1.Resource;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Collectors;
import java.util.zip.GZIPInputStream;

/**
 * A small OTLP/HTTP trace receiver, as a collector listens on {@code :4318}: it decodes each posted
 * protobuf {@link ExportTraceServiceRequest} and keeps its spans.
 */
public final class OtlpReceiver implements AutoCloseable {
  private final HttpServer server;
  private final List<Received> spans = new CopyOnWriteArrayList<>();
  private final List<String> contentTypes = new CopyOnWriteArrayList<>();

  /**
   * One span as it arrived, ids in lowercase hex.
   *
   * @param service the {@code service.name} of its resource
   * @param attributes its attributes, each value as text
   * @param links the {@code traceId/spanId} of each of its links
   */
  public record Received(
      String service,
      String traceId,
      String spanId,
      String parentSpanId,
      String name,
      Span.SpanKind kind,
      Map<String, String> attributes,
      List<String> links) {}

  private OtlpReceiver(HttpServer server) {
    this.server = server;
  }

  public static OtlpReceiver start() {
    try {
      HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
      OtlpReceiver receiver = new OtlpReceiver(server);
      server.createContext(
          "/v1/traces",
          exchange -> {
            try (exchange) {
              receiver.contentTypes.add(exchange.getRequestHeaders().getFirst("Content-Type"));
              InputStream body = exchange.getRequestBody();
              if ("gzip".equals(exchange.getRequestHeaders().getFirst("Content-Encoding"))) {
                body = new GZIPInputStream(body);
              }
              receiver.receive(ExportTraceServiceRequest.parseFrom(body.readAllBytes()));
              byte[] answer = ExportTraceServiceResponse.getDefaultInstance().toByteArray();
              exchange.getResponseHeaders().add("Content-Type", "application/x-protobuf");
              exchange.sendResponseHeaders(200, answer.length == 0 ? -1 : answer.length);
              exchange.getResponseBody().write(answer);
            }
          });
      server.start();
      return receiver;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The base URL, as {@code OTEL_EXPORTER_OTLP_ENDPOINT} takes it. */
  public String endpoint() {
    return "http://127.0.0.1:" + server.getAddress().getPort();
  }

  /** Every span received so far. */
  public List<Received> spans() {
    return List.copyOf(spans);
  }

  /** The content type of every export received. */
  public List<String> contentTypes() {
    return List.copyOf(contentTypes);
  }

  private void receive(ExportTraceServiceRequest request) {
    for (ResourceSpans resourceSpans : request.getResourceSpansList()) {
      String service = text(resourceSpans.getResource()).getOrDefault("service.name", "");
      for (ScopeSpans scope : resourceSpans.getScopeSpansList()) {
        for (Span span : scope.getSpansList()) {
          spans.add(
              new Received(
                  service,
                  hex(span.getTraceId().toByteArray()),
                  hex(span.getSpanId().toByteArray()),
                  hex(span.getParentSpanId().toByteArray()),
                  span.getName(),
                  span.getKind(),
                  text(span.getAttributesList()),
                  span.getLinksList().stream()
                      .map(
                          link ->
                              hex(link.getTraceId().toByteArray())
                                  + "/"
                                  + hex(link.getSpanId().toByteArray()))
                      .toList()));
        }
      }
    }
  }

  private static Map<String, String> text(Resource resource) {
    return text(resource.getAttributesList());
  }

  private static Map<String, String> text(List<KeyValue> attributes) {
    return attributes.stream()
        .collect(Collectors.toMap(KeyValue::getKey, kv -> text(kv.getValue()), (a, b) -> b));
  }

  private static String text(AnyValue value) {
    return switch (value.getValueCase()) {
      case STRING_VALUE -> value.getStringValue();
      case INT_VALUE -> String.valueOf(value.getIntValue());
      case BOOL_VALUE -> String.valueOf(value.getBoolValue());
      case DOUBLE_VALUE -> String.valueOf(value.getDoubleValue());
      default -> value.toString();
    };
  }

  private static String hex(byte[] bytes) {
    return HexFormat.of().formatHex(bytes);
  }

  @Override
  public void close() {
    server.stop(0);
  }
}
