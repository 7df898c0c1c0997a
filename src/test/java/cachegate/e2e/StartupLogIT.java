package cachegate.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import cachegate.support.CapturedLogs;
import cachegate.support.FakeUniversitiesApi;
import cachegate.support.GatewayUnderTest;
import cachegate.support.Opened;
import cachegate.support.RedisServer;
import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.spi.ILoggingEvent;
import java.io.IOException;
import java.net.ServerSocket;
import java.time.Duration;
import java.time.InstantSource;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** What cachegate says as it starts: its start line and every warning about its configuration. */
class StartupLogIT {
  private final Opened opened = new Opened();
  private CapturedLogs logs;
  private FakeUniversitiesApi upstream;

  @BeforeEach
  void listen() {
    upstream = opened.add(FakeUniversitiesApi.start());
    logs = CapturedLogs.of(org.slf4j.Logger.ROOT_LOGGER_NAME);
  }

  @AfterEach
  void stop() throws Exception {
    logs.close();
    opened.closeAll();
  }

  @Test
  void theStartLineWritesEachRoutesTtlAsPeopleWriteIt() {
    start(Map.of("UNIVERSITIES_CACHE_TIMEOUT", "500"));

    assertThat(lines(Level.INFO))
        .anySatisfy(
            line ->
                assertThat(line)
                    .startsWith("cachegate listening on port")
                    .contains("/universities -> " + upstream.url() + "/search (TTL 8m20s)"));
  }

  @Test
  void aRedisTimeoutWithoutAUnitIsWarnedAboutOnceAtStartNamingTheVariable() {
    start(Map.of("CACHE_REDIS_TIMEOUT", "100"));

    assertThat(lines(Level.WARN))
        .containsOnlyOnce(
            "CACHE_REDIS_TIMEOUT=100 is read as 100 seconds (1m40s), more than the 10s that makes"
                + " sense for it: a number without a unit is seconds; for milliseconds write 100ms");
  }

  @Test
  void aRedisUrlThatDisagreesWithTheRedisHostIsWarnedAboutOnceAtStartNamingWhichWins() {
    start(Map.of("CACHE_REDIS_URL", "redis://127.0.0.1:9/0", "CACHE_REDIS_HOST", "localhost"));

    assertThat(lines(Level.WARN))
        .containsOnlyOnce(
            "CACHE_REDIS_URL disagrees with CACHE_REDIS_HOST=localhost: CACHE_REDIS_URL wins, so"
                + " cachegate uses Redis at redis://127.0.0.1:9/0 and ignores it; unset one or the"
                + " other");
  }

  @Test
  void redisUnreachableAtStartIsSaidOnceWithItsAddressPlainAndItsRecoveryWhenItAnswers()
      throws IOException {
    int port = freePort();
    GatewayUnderTest gateway = start(Map.of("CACHE_REDIS_URL", "redis://127.0.0.1:" + port));
    String unreachable =
        "Redis redis://127.0.0.1:"
            + port
            + "/0 is failing: unreachable at start (Unable to connect to 127.0.0.1:"
            + port
            + ": Connection refused); serving from the local tier and the upstream until it"
            + " recovers (further failures not logged)";

    await()
        .atMost(Duration.ofSeconds(10))
        .untilAsserted(() -> assertThat(lines(Level.WARN)).containsOnlyOnce(unreachable));
    assertThat(gateway.get("/universities?country=Germany").statusCode()).isEqualTo(200);
    assertThat(lines(Level.WARN)).filteredOn(line -> line.startsWith("Redis ")).hasSize(1);

    opened.add(RedisServer.startOn(port));
    AtomicInteger asked = new AtomicInteger();
    await()
        .atMost(Duration.ofSeconds(20))
        .untilAsserted(
            () -> {
              // A new key each time: a key in the local tier is not looked up in Redis.
              gateway.get("/universities?country=Land" + asked.incrementAndGet());
              assertThat(lines(Level.INFO))
                  .contains("Redis redis://127.0.0.1:" + port + "/0 has recovered");
            });
    assertThat(logs()).noneMatch(line -> line.contains("<unresolved>"));
  }

  @Test
  void redisAnsweringAtStartIsNotReportedAsFailing() {
    RedisServer redis = opened.add(RedisServer.start());

    start(Map.of("CACHE_REDIS_URL", redis.url()));

    assertThat(logs()).noneMatch(line -> line.contains("is failing"));
  }

  private static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    }
  }

  private GatewayUnderTest start(Map<String, String> overrides) {
    Map<String, String> env = new HashMap<>();
    env.put("UNIVERSITIES_API_URL", upstream.url());
    env.putAll(overrides);
    return opened.add(GatewayUnderTest.start(env, InstantSource.system()));
  }

  private List<String> lines(Level level) {
    return events().stream()
        .filter(event -> event.getLevel() == level)
        .map(ILoggingEvent::getFormattedMessage)
        .toList();
  }

  private List<String> logs() {
    return events().stream().map(ILoggingEvent::getFormattedMessage).toList();
  }

  private List<ILoggingEvent> events() {
    return logs.events();
  }
}
