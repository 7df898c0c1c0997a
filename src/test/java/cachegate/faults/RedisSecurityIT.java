package cachegate.faults;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import cachegate.support.CapturedLogs;
import cachegate.support.FakeUniversitiesApi;
import cachegate.support.GatewayUnderTest;
import cachegate.support.Opened;
import cachegate.support.RedisServer;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.ThrowableProxyUtil;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.api.StatefulRedisConnection;
import java.net.ServerSocket;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.InstantSource;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Redis with a password and over TLS; the password never shows in logs or /health. */
class RedisSecurityIT {
  private static final String PASSWORD = "s3cret-Pa55word";

  @TempDir Path certificates;

  private final Opened opened = new Opened();
  private CapturedLogs logs;
  private FakeUniversitiesApi upstream;

  @BeforeEach
  void start() {
    upstream = opened.add(FakeUniversitiesApi.start());
    logs = CapturedLogs.of(org.slf4j.Logger.ROOT_LOGGER_NAME);
  }

  @AfterEach
  void stop() throws Exception {
    logs.close();
    opened.closeAll();
  }

  @Test
  void passwordFromCacheRedisPasswordIsUsed() {
    RedisServer redis = opened.add(RedisServer.start("--requirepass", PASSWORD));
    GatewayUnderTest gateway =
        gateway(
            Map.of(
                "CACHE_REDIS_HOST",
                "127.0.0.1",
                "CACHE_REDIS_PORT",
                String.valueOf(redis.port()),
                "CACHE_REDIS_PASSWORD",
                PASSWORD));

    gateway.get("/universities?country=Germany");

    assertThat(keysWithPassword(redis)).contains("cachegate:v2:{universities:country=germany}");
    assertNoPasswordAnywhere(gateway);
  }

  @Test
  void passwordInTheUrlIsUsed() {
    RedisServer redis = opened.add(RedisServer.start("--requirepass", PASSWORD));
    GatewayUnderTest gateway =
        gateway(
            Map.of(
                "CACHE_REDIS_URL", "redis://:" + PASSWORD + "@127.0.0.1:" + redis.port() + "/0"));

    gateway.get("/universities?country=France");

    assertThat(keysWithPassword(redis)).contains("cachegate:v2:{universities:country=france}");
    assertNoPasswordAnywhere(gateway);
  }

  @Test
  void wrongPasswordStillServesSaysDegradedAndNeverShowsThePassword() {
    RedisServer redis = opened.add(RedisServer.start("--requirepass", "the-right-one"));
    GatewayUnderTest gateway =
        gateway(
            Map.of(
                "CACHE_REDIS_URL", "redis://:" + PASSWORD + "@127.0.0.1:" + redis.port() + "/0"));

    HttpResponse<String> answer = gateway.get("/universities?country=Japan");

    assertThat(answer.statusCode()).isEqualTo(200);
    assertThat(gateway.get("/health").body()).contains("DEGRADED");
    assertThat(logs.events()).isNotEmpty();
    assertNoPasswordAnywhere(gateway);
  }

  @Test
  void tlsWithRedissAndACertificateAuthorityFile() throws Exception {
    assumeTrue(opensslAvailable(), "openssl is needed to make test certificates");
    makeCertificates();
    int tlsPort = freePort();
    RedisServer redis =
        opened.add(
            RedisServer.start(
                "--tls-port", String.valueOf(tlsPort),
                "--tls-cert-file", certificates.resolve("server.crt").toString(),
                "--tls-key-file", certificates.resolve("server.key").toString(),
                "--tls-ca-cert-file", certificates.resolve("ca.crt").toString(),
                "--tls-auth-clients", "no",
                "--requirepass", PASSWORD));
    GatewayUnderTest gateway =
        gateway(
            Map.of(
                "CACHE_REDIS_URL",
                "rediss://:" + PASSWORD + "@localhost:" + tlsPort + "/0",
                "CACHE_REDIS_TLS_CA",
                certificates.resolve("ca.crt").toString()));

    gateway.get("/universities?country=Turkey");

    await()
        .atMost(Duration.ofSeconds(5))
        .untilAsserted(
            () ->
                assertThat(
                        keys(
                            RedisURI.builder()
                                .withHost("127.0.0.1")
                                .withPort(redis.port())
                                .withPassword(PASSWORD.toCharArray())
                                .build()))
                    .contains("cachegate:v2:{universities:country=turkey}"));
    assertThat(gateway.get("/health").body()).contains("\"reachable\":true").contains("rediss://");
    assertNoPasswordAnywhere(gateway);
  }

  private void assertNoPasswordAnywhere(GatewayUnderTest gateway) {
    assertThat(gateway.get("/health").body()).doesNotContain(PASSWORD);
    for (ILoggingEvent event : logs.events()) {
      assertThat(event.getFormattedMessage()).doesNotContain(PASSWORD);
      if (event.getThrowableProxy() != null) {
        assertThat(ThrowableProxyUtil.asString(event.getThrowableProxy())).doesNotContain(PASSWORD);
      }
    }
  }

  private GatewayUnderTest gateway(Map<String, String> redis) {
    Map<String, String> env = new HashMap<>(redis);
    env.put("CACHE_TYPE", "redis");
    env.put("CACHE_REDIS_TIMEOUT", "2s");
    env.put("UNIVERSITIES_API_URL", upstream.url());
    return opened.add(GatewayUnderTest.start(env, InstantSource.system()));
  }

  /** The keys of {@code redis}, which requires {@link #PASSWORD}. */
  private static List<String> keysWithPassword(RedisServer redis) {
    return keys(
        RedisURI.builder()
            .withHost("127.0.0.1")
            .withPort(redis.port())
            .withPassword(PASSWORD.toCharArray())
            .build());
  }

  private static List<String> keys(RedisURI uri) {
    RedisClient client = RedisClient.create(uri);
    try (StatefulRedisConnection<String, String> connection = client.connect()) {
      return connection.sync().keys("*");
    } finally {
      client.shutdown();
    }
  }

  private static boolean opensslAvailable() {
    try {
      return new ProcessBuilder("openssl", "version").start().waitFor(10, TimeUnit.SECONDS);
    } catch (Exception e) {
      return false;
    }
  }

  /** A throw-away certificate authority and a server certificate for localhost and 127.0.0.1. */
  private void makeCertificates() throws Exception {
    Files.writeString(
        certificates.resolve("ext.cnf"), "subjectAltName=IP:127.0.0.1,DNS:localhost\n");
    run(
        "openssl",
        "req",
        "-x509",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-keyout",
        "ca.key",
        "-out",
        "ca.crt",
        "-days",
        "2",
        "-subj",
        "/CN=cachegate-test-ca");
    run(
        "openssl",
        "req",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-keyout",
        "server.key",
        "-out",
        "server.csr",
        "-subj",
        "/CN=localhost");
    run(
        "openssl",
        "x509",
        "-req",
        "-in",
        "server.csr",
        "-CA",
        "ca.crt",
        "-CAkey",
        "ca.key",
        "-CAcreateserial",
        "-out",
        "server.crt",
        "-days",
        "2",
        "-extfile",
        "ext.cnf");
  }

  private void run(String... command) throws Exception {
    Process process =
        new ProcessBuilder(command)
            .directory(certificates.toFile())
            .redirectErrorStream(true)
            .start();
    process.getInputStream().readAllBytes();
    assertThat(process.waitFor(30, TimeUnit.SECONDS)).isTrue();
    assertThat(process.exitValue()).as(String.join(" ", command)).isZero();
  }

  private static int freePort() throws Exception {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    }
  }
}
