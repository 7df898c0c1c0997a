package cachegate.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import cachegate.support.GatewayUnderTest;
import cachegate.support.HostileUpstream;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.InstantSource;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Upstream answers too large to keep are passed on to the client that asked, unchanged and
 * unstored; answers that never end are cut, and the client sees a cut answer, never a whole one.
 */
class LargeAnswersIT {
  private static HostileUpstream hostile;

  @BeforeAll
  static void startUpstream() {
    hostile = HostileUpstream.start();
  }

  @AfterAll
  static void stopUpstream() {
    hostile.close();
  }

  private static GatewayUnderTest gateway(String behaviour, String... variables) {
    Map<String, String> env = new HashMap<>();
    env.put("UNIVERSITIES_API_URL", hostile.url() + behaviour);
    env.put("CACHE_MAX_ENTRY_BYTES", "1048576");
    for (int i = 0; i < variables.length; i += 2) {
      env.put(variables[i], variables[i + 1]);
    }
    return GatewayUnderTest.start(env, InstantSource.system());
  }

  private static String expected(String behaviour, String country, int bytes) {
    return new String(
        HostileUpstream.expectedBody(behaviour + "/search?country=" + country, bytes),
        StandardCharsets.UTF_8);
  }

  @Test
  void anAnswerLargerThanTheRouteKeepsReachesItsClientUnchangedAndIsNeverStored() {
    try (GatewayUnderTest gateway = gateway("/chunked/bytes=3000000")) {
      hostile.reset();

      HttpResponse<String> first = gateway.get("/universities?country=Chile");
      HttpResponse<String> second = gateway.get("/universities?country=Chile");

      for (HttpResponse<String> answer : List.of(first, second)) {
        assertThat(answer.statusCode()).isEqualTo(200);
        assertThat(answer.body()).isEqualTo(expected("/chunked/bytes=3000000", "chile", 3_000_000));
        assertThat(answer.headers().firstValue("X-Cache")).hasValue("MISS");
        assertThat(answer.headers().firstValue("Cache-Status"))
            .hasValueSatisfying(
                status ->
                    assertThat(status)
                        .contains("fwd=uri-miss", "fwd-status=200", "detail=too-large")
                        .doesNotContain("stored"));
        assertThat(answer.headers().firstValue("ETag")).isEmpty();
      }
      assertThat(hostile.requests()).isEqualTo(2);
      assertThat(gateway.get("/metrics").body())
          .contains(
              "cachegate_limits_reached_total{limit=\"upstream-answer-too-large-to-store\","
                  + "route=\"universities\"} 2.0");
    }
  }

  @Test
  void concurrentRequestsForAnAnswerTooLargeToKeepEachGetAllOfIt() {
    try (GatewayUnderTest gateway = gateway("/length/bytes=2000000")) {
      List<CompletableFuture<HttpResponse<String>>> answers =
          java.util.stream.IntStream.range(0, 10)
              .mapToObj(i -> gateway.getAsync("/universities?country=Peru"))
              .toList();

      String expected = expected("/length/bytes=2000000", "peru", 2_000_000);
      assertThat(answers)
          .extracting(CompletableFuture::join)
          .allSatisfy(
              answer -> {
                assertThat(answer.statusCode()).isEqualTo(200);
                assertThat(answer.body()).isEqualTo(expected);
              });
    }
  }

  @Test
  void aHeadRequestForAnAnswerTooLargeToKeepGetsItsHeadersOnly() {
    try (GatewayUnderTest gateway = gateway("/length/bytes=2000000")) {
      HttpResponse<String> head =
          gateway.send(
              HttpRequest.newBuilder(gateway.uri("/universities?country=Fiji"))
                  .method("HEAD", HttpRequest.BodyPublishers.noBody()));

      assertThat(head.statusCode()).isEqualTo(200);
      assertThat(head.headers().firstValue("Content-Length")).hasValue("2000000");
      assertThat(head.body()).isEmpty();
      assertThat(gateway.get("/universities?country=Fiji").body()).hasSize(2_000_000);
    }
  }

  @Test
  void anAnswerThatNeverEndsIsCutAndItsClientSeesACutAnswer() throws IOException {
    try (GatewayUnderTest gateway = gateway("/endless", "UPSTREAM_MAX_BODY_BYTES", "5242880");
        Socket socket = new Socket("127.0.0.1", gateway.port())) {
      socket.setSoTimeout(15_000);
      socket
          .getOutputStream()
          .write(
              "GET /universities?country=Chad HTTP/1.1\r\nHost: x\r\n\r\n"
                  .getBytes(StandardCharsets.US_ASCII));

      byte[] received = readUntilClosed(socket.getInputStream());

      String text = new String(received, StandardCharsets.ISO_8859_1);
      assertThat(text).startsWith("HTTP/1.1 200 ").contains("transfer-encoding: chunked");
      assertThat(received.length).isBetween(1_000_000, 6_000_000);
      // A chunked body ends with a chunk of size 0; a cut one does not.
      assertThat(text).doesNotEndWith("\r\n0\r\n\r\n");
      assertThat(gateway.get("/metrics").body())
          .contains(
              "cachegate_limits_reached_total{limit=\"upstream-answer-too-large\","
                  + "route=\"universities\"} 1.0");
    }
  }

  @Test
  void anAnswerThatFindsNoRoomInMemoryIsPassedOnAndTheOtherIsStored() {
    // Two answers of 800 kB sent slowly enough that both are being gathered at once, in 1 MiB.
    try (GatewayUnderTest gateway =
        gateway("/length/bytes=800000/rate=800000", "UPSTREAM_BUFFER_BYTES", "1048576")) {
      CompletableFuture<HttpResponse<String>> chile =
          gateway.getAsync("/universities?country=Chile");
      CompletableFuture<HttpResponse<String>> peru = gateway.getAsync("/universities?country=Peru");

      List<String> details =
          List.of(chile.join(), peru.join()).stream()
              .map(answer -> answer.headers().firstValue("Cache-Status").orElseThrow())
              .toList();

      assertThat(details).filteredOn(s -> s.contains("detail=no-memory")).hasSize(1);
      assertThat(details).filteredOn(s -> s.contains("; stored")).hasSize(1);
      assertThat(chile.join().body())
          .isEqualTo(expected("/length/bytes=800000/rate=800000", "chile", 800_000));
      assertThat(peru.join().body())
          .isEqualTo(expected("/length/bytes=800000/rate=800000", "peru", 800_000));
    }
  }

  private static byte[] readUntilClosed(InputStream in) {
    java.io.ByteArrayOutputStream read = new java.io.ByteArrayOutputStream();
    byte[] buffer = new byte[65536];
    try {
      int n;
      while ((n = in.read(buffer)) >= 0) {
        read.write(buffer, 0, n);
      }
    } catch (IOException resetOrClosed) {
      // A reset is a cut too.
    }
    return read.toByteArray();
  }
}
