package cachegate.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import cachegate.support.FakeUniversitiesApi;
import cachegate.support.GatewayUnderTest;
import cachegate.support.HostileUpstream;
import cachegate.support.RedisServer;
import cachegate.support.SlowClients;
import cachegate.support.SlowConnections;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Client connections are held to the limits of the configuration's CLIENT_* variables, with short
 * values here so that each limit is reached within a second or two.
 */
class ClientLimitsIT {
  private static FakeUniversitiesApi upstream;
  private static HostileUpstream largeAnswers;

  @BeforeAll
  static void startUpstreams() {
    upstream = FakeUniversitiesApi.start();
    largeAnswers = HostileUpstream.start();
  }

  @AfterAll
  static void stopUpstreams() {
    upstream.close();
    largeAnswers.close();
  }

  private static GatewayUnderTest gateway(String url, String... variables) {
    Map<String, String> env = new java.util.HashMap<>();
    env.put("UNIVERSITIES_API_URL", url);
    for (int i = 0; i < variables.length; i += 2) {
      env.put(variables[i], variables[i + 1]);
    }
    return GatewayUnderTest.start(env, InstantSource.system());
  }

  @Test
  void clientsThatNeverFinishTheirHeadersGet408AndAreClosedWithinTheHeaderTimeout() {
    try (GatewayUnderTest gateway = gateway(upstream.url(), "CLIENT_HEADER_TIMEOUT", "1");
        SlowClients clients = SlowClients.against("127.0.0.1", gateway.port())) {
      SlowConnections slow =
          clients.slowloris(50, "GET /universities?country=Chile HTTP/1.1", Duration.ofMillis(300));

      await(() -> slow.stillOpen() == 0, Duration.ofSeconds(5));

      assertThat(slow.minClosedAfter())
          .hasValueSatisfying(d -> assertThat(d).isGreaterThan(ms(900)));
      assertThat(slow.maxClosedAfter()).hasValueSatisfying(d -> assertThat(d).isLessThan(ms(2000)));
      assertThat(limitCount(gateway, "client-header-timeout")).isEqualTo(50);
      assertThat(limitCount(gateway, "request-malformed")).isZero();
      assertThat(gateway.get("/universities?country=Chile").statusCode()).isEqualTo(200);
    }
  }

  @Test
  void theHeaderTimeoutAnswers408WithAJsonBody() throws IOException {
    try (GatewayUnderTest gateway = gateway(upstream.url(), "CLIENT_HEADER_TIMEOUT", "1");
        Socket socket = new Socket("127.0.0.1", gateway.port())) {
      socket.setSoTimeout(5000);
      socket.getOutputStream().write("GET /universities?country=Chile HTTP/1.1\r\n".getBytes());

      String answer = new String(socket.getInputStream().readAllBytes(), StandardCharsets.US_ASCII);

      assertThat(answer).startsWith("HTTP/1.1 408 ").contains("connection: close");
      assertThat(answer.substring(answer.indexOf("\r\n\r\n") + 4))
          .isEqualTo(
              "{\"error\":\"the request line and headers did not arrive in time\",\"status\":408}");
    }
  }

  @Test
  void aKeptAliveConnectionIsClosedAfterTheIdleTimeoutButNotWhileItIsUsed() throws Exception {
    try (GatewayUnderTest gateway = gateway(upstream.url(), "CLIENT_IDLE_TIMEOUT", "1");
        Socket socket = new Socket("127.0.0.1", gateway.port())) {
      socket.setSoTimeout(5000);
      for (int i = 0; i < 6; i++) {
        assertThat(exchange(socket, "/universities?country=Chile")).startsWith("HTTP/1.1 200 ");
        Thread.sleep(400);
      }

      long idleSince = System.nanoTime();
      int end = socket.getInputStream().read();

      assertThat(end).isEqualTo(-1);
      assertThat(Duration.ofNanos(System.nanoTime() - idleSince)).isBetween(ms(500), ms(2000));
      assertThat(limitCount(gateway, "client-idle-timeout")).isEqualTo(1);
    }
  }

  @Test
  void aRequestWaitingForItsUpstreamIsNotCutByTheHeaderOrIdleTimeout() {
    upstream.slow(Duration.ofMillis(2500));
    try (GatewayUnderTest gateway =
        gateway(upstream.url(), "CLIENT_HEADER_TIMEOUT", "1", "CLIENT_IDLE_TIMEOUT", "1")) {

      int status = gateway.get("/universities?country=Peru").statusCode();

      assertThat(status).isEqualTo(200);
    } finally {
      upstream.slow(Duration.ZERO);
    }
  }

  @Test
  void clientsThatStopReadingAreResetWithinTheSendTimeout() {
    String url = largeAnswers.url() + "/length/bytes=5000000";
    try (GatewayUnderTest gateway = gateway(url, "CLIENT_SEND_TIMEOUT", "1");
        SlowClients clients = SlowClients.against("127.0.0.1", gateway.port())) {
      String fetched = gateway.get("/universities?country=Chile").body();
      String hit = gateway.get("/universities?country=Chile").body();
      byte[] sent = HostileUpstream.expectedBody(largeAnswers.targets().get(0), 5_000_000);
      assertThat(fetched).isEqualTo(hit).isEqualTo(new String(sent, StandardCharsets.UTF_8));

      SlowConnections slow = clients.slowReaders(20, "/universities?country=Chile");
      await(() -> slow.stillOpen() == 0, Duration.ofSeconds(10));

      assertThat(slow.maxClosedAfter()).hasValueSatisfying(d -> assertThat(d).isLessThan(ms(4000)));
      assertThat(limitCount(gateway, "client-send-timeout")).isEqualTo(20);
      assertThat(gateway.get("/universities?country=Chile").statusCode()).isEqualTo(200);
    }
  }

  @Test
  void clientsThatStopReadingAFileAreResetWithinTheSendTimeoutAndTheFileOutlivesThem()
      throws IOException {
    String url = largeAnswers.url() + "/length/bytes=5000000";
    Path files = Files.createTempDirectory(Path.of("target").toAbsolutePath(), "identity-files");
    // No local tier: every hit is read from Redis, and its identity answer is sent from a file.
    try (RedisServer redis = RedisServer.start();
        GatewayUnderTest gateway =
            gateway(
                url,
                "CACHE_TYPE",
                "redis",
                "CACHE_REDIS_URL",
                redis.url(),
                "CACHE_LOCAL_MAX_BYTES",
                "0",
                "CACHE_LOCAL_DISK_DIR",
                files.toString(),
                "CLIENT_SEND_TIMEOUT",
                "1");
        SlowClients clients = SlowClients.against("127.0.0.1", gateway.port())) {
      byte[] sent = HostileUpstream.expectedBody(largeAnswers.targets().get(0), 5_000_000);
      String expected = new String(sent, StandardCharsets.UTF_8);
      assertThat(gateway.get("/universities?country=Chile").body()).isEqualTo(expected);
      assertThat(gateway.get("/universities?country=Chile").body()).isEqualTo(expected);
      await(() -> gaugeOf(gateway, "cachegate_local_disk_files") == 1, Duration.ofSeconds(10));

      SlowConnections slow = clients.slowReaders(20, "/universities?country=Chile");
      await(() -> slow.stillOpen() == 0, Duration.ofSeconds(10));

      assertThat(slow.maxClosedAfter()).hasValueSatisfying(d -> assertThat(d).isLessThan(ms(4000)));
      assertThat(limitCount(gateway, "client-send-timeout")).isEqualTo(20);
      assertThat(gaugeOf(gateway, "cachegate_local_disk_bytes")).isEqualTo(5_000_000);
      assertThat(gateway.get("/universities?country=Chile").body()).isEqualTo(expected);
    }
  }

  @Test
  void connectionsBeyondTheLimitAreAnswered503AndClosedUntilOthersClose() throws IOException {
    try (GatewayUnderTest gateway = gateway(upstream.url(), "CLIENT_MAX_CONNECTIONS", "4")) {
      List<Socket> open = new ArrayList<>();
      try {
        for (int i = 0; i < 3; i++) {
          open.add(new Socket("127.0.0.1", gateway.port()));
        }
        Socket fourth = new Socket("127.0.0.1", gateway.port());
        open.add(fourth);
        assertThat(exchange(fourth, "/health")).startsWith("HTTP/1.1 200 ");

        String refused;
        try (Socket fifth = new Socket("127.0.0.1", gateway.port())) {
          fifth.setSoTimeout(5000);
          refused = new String(fifth.getInputStream().readAllBytes(), StandardCharsets.US_ASCII);
        }

        assertThat(refused).startsWith("HTTP/1.1 503 ").contains("retry-after: 1");
        assertThat(exchange(fourth, "/metrics"))
            .contains("cachegate_limits_reached_total{limit=\"client-connections\",route=\"\"} 1.0")
            .contains("cachegate_client_connections 4.0");
        open.remove(0).close();
        await(
            () -> gateway.get("/universities?country=Chile").statusCode() == 200,
            Duration.ofSeconds(5));
      } finally {
        for (Socket socket : open) {
          socket.close();
        }
      }
    }
  }

  /** Sends one GET on {@code socket} and reads its answer, headers and Content-Length body. */
  private static String exchange(Socket socket, String target) throws IOException {
    socket.setSoTimeout(5000);
    OutputStream out = socket.getOutputStream();
    out.write(
        ("GET " + target + " HTTP/1.1\r\nHost: x\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
    out.flush();
    InputStream in = socket.getInputStream();
    StringBuilder head = new StringBuilder();
    while (!head.toString().endsWith("\r\n\r\n")) {
      int b = in.read();
      if (b < 0) {
        throw new IOException("closed after " + head);
      }
      head.append((char) b);
    }
    String lower = head.toString().toLowerCase(java.util.Locale.ROOT);
    int at = lower.indexOf("content-length: ");
    int length = Integer.parseInt(lower.substring(at + 16, lower.indexOf("\r\n", at)).strip());
    return head + new String(in.readNBytes(length), StandardCharsets.UTF_8);
  }

  private static long limitCount(GatewayUnderTest gateway, String limit) {
    return (long)
        gaugeOf(gateway, "cachegate_limits_reached_total{limit=\"" + limit + "\",route=\"\"}");
  }

  private static double gaugeOf(GatewayUnderTest gateway, String series) {
    return gateway
        .get("/metrics")
        .body()
        .lines()
        .filter(line -> line.startsWith(series + " "))
        .mapToDouble(line -> Double.parseDouble(line.substring(series.length() + 1)))
        .findFirst()
        .orElse(0);
  }

  private static void await(java.util.function.BooleanSupplier condition, Duration atMost) {
    org.awaitility.Awaitility.await()
        .atMost(atMost)
        .pollInterval(Duration.ofMillis(50))
        .until(condition::getAsBoolean);
  }

  private static Duration ms(long millis) {
    return Duration.ofMillis(millis);
  }
}
