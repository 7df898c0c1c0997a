package cachegate.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import cachegate.support.LaunchedGateway;
import cachegate.support.OtlpReceiver;
import cachegate.support.OtlpReceiver.Received;
import cachegate.support.RedisServer;
import com.sun.net.httpserver.HttpServer;
import io.opentelemetry.proto.trace.v1.Span.SpanKind;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Traces on the jar launched as the README launches it, sent to a small OTLP/HTTP receiver that
 * decodes the real protobuf payload: the spans of a miss and of the hit that follows, their
 * parentage, the {@code traceparent} the upstream received and the hit's link to the trace that
 * fetched its entry; and, with tracing off, no OpenTelemetry class loaded, no exporter thread and
 * no span.
 */
class TracingIT {
  private static final String CLIENT_TRACE = "4bf92f3577b34da6a3ce929d0e0e4736";
  private static final String CLIENT_SPAN = "00f067aa0ba902b7";
  private static final long MAX_RSS_KIB = 256 * 1024;
  private static final Duration EXPORTED = Duration.ofSeconds(30);
  private static final HttpClient HTTP =
      HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

  private final List<String> traceparents = new CopyOnWriteArrayList<>();

  @Test
  void aMissAndTheHitAfterItAreTracedWithTheirStepsAndTheHitLinksToTheFetch() throws Exception {
    try (RedisServer redis = RedisServer.start();
        OtlpReceiver receiver = OtlpReceiver.start();
        Upstream upstream = new Upstream();
        LaunchedGateway gateway =
            launch(
                "traced",
                redis,
                upstream,
                Map.of(
                    "OTEL_EXPORTER_OTLP_ENDPOINT",
                    receiver.endpoint(),
                    "OTEL_SERVICE_NAME",
                    "cachegate-it"))) {

      HttpResponse<String> miss =
          get(
              gateway,
              "/universities?country=Germany",
              "00-" + CLIENT_TRACE + "-" + CLIENT_SPAN + "-01");
      await().atMost(EXPORTED).until(() -> named(receiver, "cachegate.store.write").size() == 1);
      HttpResponse<String> hit = get(gateway, "/universities?country=germany", null);
      await().atMost(EXPORTED).until(() -> named(receiver, "GET /universities").size() == 2);

      assertThat(miss.headers().firstValue("X-Cache")).hasValue("MISS");
      assertThat(hit.headers().firstValue("X-Cache")).hasValue("HIT");
      Received missSpan = server(receiver, CLIENT_TRACE);
      assertThat(missSpan.parentSpanId()).isEqualTo(CLIENT_SPAN);
      assertThat(missSpan.kind()).isEqualTo(SpanKind.SPAN_KIND_SERVER);
      assertThat(missSpan.service()).isEqualTo("cachegate-it");
      assertThat(missSpan.attributes())
          .containsEntry("cachegate.outcome", "MISS")
          .containsEntry("cachegate.route", "universities")
          .containsEntry("cachegate.key", "cachegate:v2:{universities:country=germany}")
          .containsEntry("cachegate.tier", "upstream")
          .containsEntry("http.request.method", "GET")
          .containsEntry("http.route", "/universities")
          .containsEntry("http.response.status_code", "200");
      List<Received> steps = children(receiver, missSpan);
      assertThat(steps)
          .extracting(Received::name)
          .containsExactlyInAnyOrder(
              "cachegate.lookup", "cachegate.lease", "GET", "cachegate.store.write");
      assertThat(steps).allMatch(step -> step.traceId().equals(CLIENT_TRACE));
      Received call = only(steps, "GET");
      assertThat(call.kind()).isEqualTo(SpanKind.SPAN_KIND_CLIENT);
      assertThat(call.attributes())
          .containsEntry("http.response.status_code", "200")
          .containsEntry("url.full", upstream.url() + "/search?country=germany");
      assertThat(only(steps, "cachegate.lease").attributes())
          .containsEntry("cachegate.lease.result", "taken");
      assertThat(only(steps, "cachegate.store.write").attributes())
          .containsEntry("cachegate.stored", "true");
      assertThat(traceparents).hasSize(1);
      assertThat(traceparents.get(0)).startsWith("00-" + CLIENT_TRACE + "-" + call.spanId() + "-");

      Received hitSpan =
          named(receiver, "GET /universities").stream()
              .filter(s -> !s.traceId().equals(CLIENT_TRACE))
              .findFirst()
              .orElseThrow();
      assertThat(hitSpan.parentSpanId()).isEmpty();
      assertThat(hitSpan.attributes())
          .containsEntry("cachegate.outcome", "HIT")
          .containsEntry("cachegate.tier", "local");
      assertThat(hitSpan.links()).containsExactly(CLIENT_TRACE + "/" + call.spanId());
      assertThat(children(receiver, hitSpan))
          .extracting(Received::name)
          .containsExactly("cachegate.lookup");
      assertThat(receiver.contentTypes()).allMatch("application/x-protobuf"::equals);
      assertThat(Files.readString(gateway.log()))
          .contains("trace=" + CLIENT_TRACE)
          .contains("trace=" + hitSpan.traceId());
      assertThat(jcmd(gateway, "Thread.print")).contains("BatchSpanProcessor");

      for (int key = 0; key < 300; key++) {
        get(gateway, "/universities?country=c" + key % 150, null);
      }
      LaunchedGateway.Memory memory = gateway.memory().orElseThrow();
      System.out.printf(
          "traced: %d spans received, RSS %d KiB, peak %d KiB%n",
          receiver.spans().size(), memory.rssKib(), memory.peakKib());
      assertThat(memory.peakKib()).as("peak RSS in KiB").isLessThanOrEqualTo(MAX_RSS_KIB);
    }
  }

  @Test
  void withTracingOffNoOpenTelemetryClassIsLoadedNoExporterThreadRunsAndNoSpanIsSent()
      throws Exception {
    try (RedisServer redis = RedisServer.start();
        OtlpReceiver receiver = OtlpReceiver.start();
        Upstream upstream = new Upstream();
        LaunchedGateway gateway =
            launch(
                "untraced",
                redis,
                upstream,
                // An endpoint, but the exporter says none: that wins.
                Map.of(
                    "OTEL_TRACES_EXPORTER",
                    "none",
                    "OTEL_EXPORTER_OTLP_ENDPOINT",
                    receiver.endpoint()))) {

      HttpResponse<String> miss =
          get(
              gateway,
              "/universities?country=Germany",
              "00-" + CLIENT_TRACE + "-" + CLIENT_SPAN + "-01");
      await()
          .atMost(Duration.ofSeconds(10))
          .until(
              () ->
                  get(gateway, "/universities?country=germany", null)
                      .headers()
                      .firstValue("X-Cache")
                      .orElse("")
                      .equals("HIT"));

      assertThat(miss.headers().firstValue("X-Cache")).hasValue("MISS");
      assertThat(jcmd(gateway, "VM.class_hierarchy")).doesNotContain("io.opentelemetry");
      assertThat(jcmd(gateway, "Thread.print"))
          .doesNotContain("BatchSpanProcessor")
          .doesNotContain("HttpClient");
      assertThat(traceparents).containsOnly("");
      assertThat(Files.readString(gateway.log())).contains(" MISS ").doesNotContain("trace=");
      await()
          .during(Duration.ofSeconds(6))
          .atMost(Duration.ofSeconds(8))
          .until(() -> receiver.spans().isEmpty());
    }
  }

  private LaunchedGateway launch(
      String name, RedisServer redis, Upstream upstream, Map<String, String> tracing)
      throws Exception {
    Map<String, String> variables = new HashMap<>(tracing);
    variables.put("PORT", String.valueOf(freePort()));
    variables.put("CACHE_TYPE", "redis");
    variables.put("CACHE_REDIS_URL", redis.url());
    variables.put("UNIVERSITIES_API_URL", upstream.url());
    LaunchedGateway gateway =
        LaunchedGateway.start(variables, Path.of("target", "tracing-it", name));
    gateway.awaitUp(HTTP, Duration.ofSeconds(30));
    return gateway;
  }

  private static HttpResponse<String> get(LaunchedGateway gateway, String path, String traceparent)
      throws Exception {
    HttpRequest.Builder request =
        HttpRequest.newBuilder(gateway.uri(path)).timeout(Duration.ofSeconds(10));
    if (traceparent != null) {
      request.header("traceparent", traceparent);
    }
    HttpResponse<String> answer = HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
    assertThat(answer.statusCode()).as(path + ": " + answer.body()).isEqualTo(200);
    return answer;
  }

  private static List<Received> named(OtlpReceiver receiver, String name) {
    return receiver.spans().stream().filter(s -> s.name().equals(name)).toList();
  }

  private static Received server(OtlpReceiver receiver, String traceId) {
    return named(receiver, "GET /universities").stream()
        .filter(s -> s.traceId().equals(traceId))
        .findFirst()
        .orElseThrow();
  }

  private static List<Received> children(OtlpReceiver receiver, Received parent) {
    return receiver.spans().stream().filter(s -> s.parentSpanId().equals(parent.spanId())).toList();
  }

  private static Received only(List<Received> spans, String name) {
    return spans.stream().filter(s -> s.name().equals(name)).findFirst().orElseThrow();
  }

  /** What {@code jcmd <pid> <command>} prints about the launched JVM. */
  private static String jcmd(LaunchedGateway gateway, String command) throws Exception {
    Process jcmd =
        new ProcessBuilder(
                Path.of(System.getProperty("java.home"), "bin", "jcmd").toString(),
                String.valueOf(gateway.pid()),
                command)
            .redirectErrorStream(true)
            .start();
    String output = new String(jcmd.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(jcmd.waitFor(30, TimeUnit.SECONDS)).isTrue();
    assertThat(jcmd.exitValue()).as(output).isZero();
    return output;
  }

  private static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    }
  }

  /** The universities API's {@code /search}, answering one university; keeps each traceparent. */
  private final class Upstream implements AutoCloseable {
    private final HttpServer server;

    Upstream() throws IOException {
      server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
      server.createContext(
          "/search",
          exchange -> {
            try (exchange) {
              String traceparent = exchange.getRequestHeaders().getFirst("traceparent");
              traceparents.add(traceparent == null ? "" : traceparent);
              byte[] body =
                  "[{\"name\":\"Technische Universität Berlin\",\"country\":\"Germany\"}]"
                      .getBytes(StandardCharsets.UTF_8);
              exchange.getResponseHeaders().add("Content-Type", "application/json");
              exchange.sendResponseHeaders(200, body.length);
              exchange.getResponseBody().write(body);
            }
          });
      server.start();
    }

    String url() {
      return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    @Override
    public void close() {
      server.stop(0);
    }
  }
}
