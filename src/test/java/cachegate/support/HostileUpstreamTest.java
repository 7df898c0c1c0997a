package cachegate.support;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.lang.management.ManagementFactory;
import java.net.ConnectException;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** HostileUpstream over real loopback sockets: sizes, framing, never-ending answers, memory. */
@Timeout(120)
class HostileUpstreamTest {
  private static final long MIB = 1024 * 1024;
  private static final HttpClient CLIENT =
      HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

  private final HostileUpstream upstream = HostileUpstream.start();

  @AfterEach
  void close() {
    upstream.close();
  }

  @ParameterizedTest
  @ValueSource(ints = {2, 3, 90, 1000, 100_000})
  void chunkedAnswerIsExactlyTheAskedBytesOfJsonWithoutContentLength(int bytes) {
    String target = "/chunked?bytes=" + bytes;

    HttpResponse<byte[]> response = get(target);

    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.headers().firstValue("Transfer-Encoding")).hasValue("chunked");
    assertThat(response.headers().firstValue("Content-Length")).isEmpty();
    assertThat(response.body())
        .hasSize(bytes)
        .isEqualTo(HostileUpstream.expectedBody(target, bytes));
    assertEveryElementNames(
        target, new JsonArray(new String(response.body(), StandardCharsets.UTF_8)));
  }

  @ParameterizedTest
  @ValueSource(ints = {2, 90, 1000, 100_000})
  void contentLengthAnswerIsExactlyTheAskedBytesOfJson(int bytes) {
    String target = "/length?bytes=" + bytes;

    HttpResponse<byte[]> response = get(target);

    assertThat(response.headers().firstValue("Content-Length")).hasValue(String.valueOf(bytes));
    assertThat(response.body()).isEqualTo(HostileUpstream.expectedBody(target, bytes));
    assertEveryElementNames(
        target, new JsonArray(new String(response.body(), StandardCharsets.UTF_8)));
  }

  @Test
  void everyTargetGetsItsOwnBodyAndParametersMayBeAPathSegment() {
    String germany = "/chunked/bytes=1000/search?country=de";
    String france = "/chunked/bytes=1000/search?country=fr";

    byte[] first = get(germany).body();
    byte[] second = get(france).body();

    assertThat(first).hasSize(1000).isNotEqualTo(second);
    assertEveryElementNames(germany, new JsonArray(new String(first, StandardCharsets.UTF_8)));
    assertThat(upstream.requests("/chunked/bytes=1000/search")).isEqualTo(2);
    assertThat(upstream.targets()).containsExactly(germany, france);
  }

  @Test
  void sends300MegabytesWithoutHoldingThemInMemory() throws Exception {
    String target = "/chunked?bytes=300000000";
    long before = usedHeapAfterGc();
    long[] duringTransfer = new long[1];

    InputStream body =
        CLIENT.send(request(target), HttpResponse.BodyHandlers.ofInputStream()).body();
    InputStream sampled = onceAfter(150_000_000, body, () -> duringTransfer[0] = usedHeapAfterGc());

    assertThat(HostileUpstream.mismatch(sampled, target, 300_000_000)).isEqualTo(-1);
    assertThat(duringTransfer[0] - before).isLessThan(8 * MIB);
    await().until(() -> upstream.allocatedBytes() > 0);
    assertThat(upstream.allocatedBytes()).isLessThan(4 * MIB);
    assertThat(upstream.bytesSent()).isEqualTo(300_000_000);
    assertThat(upstream.abortedTargets()).isEmpty();
  }

  @Test
  void endlessAnswerGoesOnUntilTheClientCutsItAndTheServerSeesTheAbort() throws Exception {
    String target = "/endless?for=cut";

    HttpResponse<InputStream> response =
        CLIENT.send(request(target), HttpResponse.BodyHandlers.ofInputStream());
    try (InputStream body = response.body()) {
      assertThat(HostileUpstream.mismatch(first(50 * MIB, body), target, HostileUpstream.ENDLESS))
          .isEqualTo(-1);
    }

    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.headers().firstValue("Transfer-Encoding")).hasValue("chunked");
    await().atMost(Duration.ofSeconds(20)).until(() -> upstream.abortedTargets().contains(target));
    await().until(() -> upstream.openConnections() == 0);
    assertThat(upstream.bytesSent()).isGreaterThanOrEqualTo(50 * MIB);
  }

  @Test
  void rateCapsTheBytesSentPerSecond() throws Exception {
    try (Socket socket = raw("/endless?rate=50000")) {
      long start = System.nanoTime();
      long received = 0;
      byte[] buffer = new byte[4096];
      while (System.nanoTime() - start < 1_000_000_000L) {
        received += Math.max(0, socket.getInputStream().read(buffer));
      }
      double seconds = (System.nanoTime() - start) / 1e9;

      assertThat(received).isPositive().isLessThan((long) (50_000 * seconds) + 16 * 1024 + 512);
    }
    await().until(() -> upstream.abortedTargets().contains("/endless?rate=50000"));
  }

  @Test
  void truncatedAnswerAnnouncesTheLengthAndClosesAfterTheSentBytes() throws Exception {
    String target = "/truncated?bytes=1000&sent=400";

    String answer;
    try (Socket socket = raw(target)) {
      answer = new String(socket.getInputStream().readAllBytes(), StandardCharsets.US_ASCII);
    }

    String head = answer.substring(0, answer.indexOf("\r\n\r\n"));
    String body = answer.substring(head.length() + 4);
    assertThat(head).startsWith("HTTP/1.1 200 OK").contains("Content-Length: 1000");
    assertThat(body)
        .isEqualTo(
            new String(
                HostileUpstream.expectedBody(target, 1000), 0, 400, StandardCharsets.US_ASCII));
    assertThat(upstream.abortedTargets()).isEmpty();
  }

  @Test
  void errorWithBytesIsThatMuchJsonAndWithoutNeverEnds() throws Exception {
    HttpResponse<byte[]> sized = get("/error?status=500&bytes=5000");
    HttpResponse<InputStream> endless =
        CLIENT.send(request("/error?status=503"), HttpResponse.BodyHandlers.ofInputStream());
    try (InputStream body = endless.body()) {
      assertThat(body.readNBytes((int) MIB)).hasSize((int) MIB);
    }

    assertThat(sized.statusCode()).isEqualTo(500);
    assertEveryElementNames(
        "/error?status=500&bytes=5000",
        new JsonArray(new String(sized.body(), StandardCharsets.UTF_8)));
    assertThat(endless.statusCode()).isEqualTo(503);
    await().until(() -> upstream.abortedTargets().contains("/error?status=503"));
  }

  @ParameterizedTest
  @ValueSource(strings = {"/chunked", "/length?bytes=1", "/length?bytes=-1", "/endless?rate=fast"})
  void missingOrImpossibleNumbersAre400(String target) {
    assertThat(get(target).statusCode()).isEqualTo(400);
  }

  @Test
  void delayHoldsBackTheHeaders() {
    long start = System.nanoTime();

    HttpResponse<byte[]> response = get("/length?bytes=100&delay=500");

    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(Duration.ofNanos(System.nanoTime() - start))
        .isGreaterThanOrEqualTo(Duration.ofMillis(500));
  }

  @Test
  void keepsConnectionsAliveCountsThemAndClosesThemOnClose() throws Exception {
    try (Socket socket = raw("/length?bytes=10")) {
      InputStream in = socket.getInputStream();
      assertThat(readAnswer(in)).startsWith("HTTP/1.1 200 OK").endsWith("\r\n\r\n[        ]");
      send(socket, "/nowhere");
      assertThat(readAnswer(in)).startsWith("HTTP/1.1 404 Not Found");
      send(socket, "/endless");
      in.readNBytes(100_000);

      assertThat(upstream.openConnections()).isEqualTo(1);
      assertThat(upstream.targets()).containsExactly("/length?bytes=10", "/nowhere", "/endless");
      upstream.close();
    }

    assertThat(upstream.openConnections()).isZero();
    assertThat(upstream.abortedTargets()).isEmpty();
    assertThatThrownBy(() -> new Socket("127.0.0.1", upstream.port()))
        .isInstanceOf(ConnectException.class);
  }

  private static void assertEveryElementNames(String target, JsonArray elements) {
    for (Object element : elements) {
      assertThat(((JsonObject) element).getString("target")).isEqualTo(target);
      assertThat(((JsonObject) element).getString("name")).startsWith("University ");
    }
  }

  private HttpResponse<byte[]> get(String target) {
    try {
      return CLIENT.send(request(target), HttpResponse.BodyHandlers.ofByteArray());
    } catch (IOException | InterruptedException e) {
      throw new AssertionError(e);
    }
  }

  private HttpRequest request(String target) {
    return HttpRequest.newBuilder(URI.create(upstream.url() + target)).build();
  }

  private Socket raw(String target) throws IOException {
    Socket socket = new Socket("127.0.0.1", upstream.port());
    socket.setSoTimeout(10_000);
    send(socket, target);
    return socket;
  }

  private static void send(Socket socket, String target) throws IOException {
    String request = "GET " + target + " HTTP/1.1\r\nHost: localhost\r\n\r\n";
    socket.getOutputStream().write(request.getBytes(StandardCharsets.US_ASCII));
  }

  private static long usedHeapAfterGc() {
    System.gc();
    return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
  }

  /** The first {@code limit} bytes of {@code in}. */
  private static InputStream first(long limit, InputStream in) {
    return new FilterInputStream(in) {
      private long left = limit;

      @Override
      public int read(byte[] into, int offset, int count) throws IOException {
        if (left == 0) {
          return -1;
        }
        int n = super.read(into, offset, (int) Math.min(count, left));
        left -= Math.max(n, 0);
        return n;
      }
    };
  }

  /** {@code in}, running {@code action} once when {@code bytes} have been read. */
  private static InputStream onceAfter(long bytes, InputStream in, Runnable action) {
    return new FilterInputStream(in) {
      private long read;

      @Override
      public int read(byte[] into, int offset, int count) throws IOException {
        int n = super.read(into, offset, count);
        long before = read;
        read += Math.max(n, 0);
        if (before < bytes && read >= bytes) {
          action.run();
        }
        return n;
      }
    };
  }

  /** One answer with a Content-Length, head and body, from a kept-alive connection. */
  private static String readAnswer(InputStream in) throws IOException {
    StringBuilder head = new StringBuilder();
    while (head.indexOf("\r\n\r\n") < 0) {
      head.append((char) in.read());
    }
    int length =
        Integer.parseInt(head.toString().replaceAll("(?s).*Content-Length: (\\d+).*", "$1"));
    return head + new String(in.readNBytes(length), StandardCharsets.US_ASCII);
  }
}
