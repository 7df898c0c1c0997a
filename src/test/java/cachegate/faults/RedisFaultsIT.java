package cachegate.faults;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import cachegate.support.ClientLoad;
import cachegate.support.FakeUniversitiesApi;
import cachegate.support.GatewayUnderTest;
import cachegate.support.Opened;
import cachegate.support.RedisServer;
import io.lettuce.core.KillArgs;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.vertx.core.json.JsonObject;
import java.net.ServerSocket;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Redis dies, hangs or is missing while cachegate serves: no request that the local tier or the
 * upstream can answer fails, nothing hangs, and Redis is used again once it is back.
 */
class RedisFaultsIT {
  private static final List<String> COUNTRIES =
      List.of("Germany", "France", "Japan", "Turkey", "United+States");

  private final Opened opened = new Opened();
  private final AtomicInteger attempts = new AtomicInteger();
  private FakeUniversitiesApi upstream;

  @BeforeEach
  void startUpstream() {
    upstream = FakeUniversitiesApi.start();
    opened.add(upstream);
  }

  @AfterEach
  void stopAll() throws Exception {
    opened.closeAll();
  }

  @Test
  void redisDownAtStartServesFromUpstreamAndUsesRedisOnceItComes() throws Exception {
    int port = freePort();
    GatewayUnderTest gateway = gateway(port);

    HttpResponse<String> before = gateway.get("/universities?country=Germany");
    JsonObject healthBefore = new JsonObject(gateway.get("/health").body());
    RedisServer redis = opened.add(RedisServer.startOn(port));

    assertThat(before.statusCode()).isEqualTo(200);
    assertThat(healthBefore.getString("status")).isEqualTo("DEGRADED");
    awaitWritesReach(redis, gateway, "France");
    assertThat(new JsonObject(gateway.get("/health").body()).getString("status")).isEqualTo("UP");
  }

  @Test
  void redisKilledUnderLoadFailsNoRequestAndIsUsedAgainAfterRestart() throws Exception {
    RedisServer redis = opened.add(RedisServer.start());
    GatewayUnderTest gateway = gateway(redis.port());
    COUNTRIES.forEach(country -> gateway.get("/universities?country=" + country));

    List<Integer> statuses = underLoad(gateway, Duration.ofSeconds(3), redis::kill);
    RedisServer restarted = opened.add(RedisServer.startOn(redis.port()));

    assertThat(statuses).isNotEmpty().containsOnly(200);
    awaitWritesReach(restarted, gateway, "Germany");
  }

  @Test
  void redisFrozenBySigstopCostsAFewTimeoutsNotOnePerRequest() throws Exception {
    RedisServer redis = opened.add(RedisServer.start());
    GatewayUnderTest gateway = gateway(redis.port());
    gateway.get("/universities?country=Germany");

    redis.pause();
    long started = System.nanoTime();
    List<HttpResponse<String>> answers = new ArrayList<>();
    for (int i = 0; i < 40; i++) {
      answers.add(gateway.get("/universities?country=Japan&offset=" + i));
    }
    Duration took = Duration.ofNanos(System.nanoTime() - started);
    JsonObject health = new JsonObject(gateway.get("/health").body());
    redis.resume();

    assertThat(answers).allSatisfy(answer -> assertThat(answer.statusCode()).isEqualTo(200));
    assertThat(took)
        .as("40 requests, each waiting for up to four 100 ms timeouts without the breaker")
        .isLessThan(Duration.ofSeconds(8));
    assertThat(health.getString("status")).isEqualTo("DEGRADED");
    assertThat(health.getJsonObject("redis").getString("circuit")).isIn("OPEN", "HALF_OPEN");
    awaitWritesReach(redis, gateway, "Turkey");
  }

  @Test
  void redisFrozenUnderLoadFailsNoRequest() throws Exception {
    RedisServer redis = opened.add(RedisServer.start());
    GatewayUnderTest gateway = gateway(redis.port());
    COUNTRIES.forEach(country -> gateway.get("/universities?country=" + country));

    List<Integer> statuses = underLoad(gateway, Duration.ofSeconds(3), redis::pause);
    redis.resume();

    assertThat(statuses).isNotEmpty().containsOnly(200);
  }

  @Test
  void redisDroppingConnectionsUnderLoadFailsNoRequest() throws Exception {
    RedisServer redis = opened.add(RedisServer.start());
    GatewayUnderTest gateway = gateway(redis.port());
    COUNTRIES.forEach(country -> gateway.get("/universities?country=" + country));

    List<Integer> statuses =
        underLoad(
            gateway,
            Duration.ofSeconds(3),
            () -> {
              for (int i = 0; i < 5; i++) {
                dropClients(redis);
              }
            });

    assertThat(statuses).isNotEmpty().containsOnly(200);
    awaitWritesReach(redis, gateway, "Japan");
  }

  /**
   * Waits until a request for a key not asked before (a fresh {@code offset} each try) is written
   * to {@code redis}: cachegate uses Redis again.
   */
  private void awaitWritesReach(RedisServer redis, GatewayUnderTest gateway, String country) {
    await()
        .atMost(Duration.ofSeconds(10))
        .untilAsserted(
            () -> {
              String offset = String.valueOf(attempts.incrementAndGet());
              gateway.get("/universities?country=" + country + "&offset=" + offset);
              assertThat(keys(redis))
                  .contains(
                      "cachegate:v2:{universities:country="
                          + country.toLowerCase(Locale.ROOT)
                          + "&offset="
                          + offset
                          + "}");
            });
  }

  /** {@code CLIENT KILL TYPE normal}: Redis closes every client connection but the caller's. */
  private static void dropClients(RedisServer server) {
    RedisClient client = RedisClient.create(server.url());
    try (StatefulRedisConnection<String, String> connection = client.connect()) {
      connection.sync().clientKill(KillArgs.Builder.typeNormal().skipme());
      connection.sync().clientKill(KillArgs.Builder.typePubsub());
    } finally {
      client.shutdown();
    }
  }

  /**
   * Runs 16 clients in a loop over the warm countries for {@code length}, and {@code fault}
   * halfway; returns every status seen.
   */
  private static List<Integer> underLoad(GatewayUnderTest gateway, Duration length, Runnable fault)
      throws InterruptedException {
    ClientLoad load = ClientLoad.start(List.of(gateway), COUNTRIES, 16);
    try (load) {
      Thread.sleep(length.toMillis() / 2);
      fault.run();
      Thread.sleep(length.toMillis() / 2);
    }
    return load.statuses();
  }

  private GatewayUnderTest gateway(int redisPort) {
    GatewayUnderTest gateway =
        GatewayUnderTest.start(
            Map.of(
                "CACHE_TYPE",
                "redis",
                "CACHE_REDIS_URL",
                "redis://127.0.0.1:" + redisPort + "/0",
                "UNIVERSITIES_API_URL",
                upstream.url()),
            InstantSource.system());
    opened.add(gateway);
    return gateway;
  }

  private static List<String> keys(RedisServer server) {
    RedisClient client = RedisClient.create(server.url());
    try (StatefulRedisConnection<String, String> connection = client.connect()) {
      return connection.sync().keys("*");
    } finally {
      client.shutdown();
    }
  }

  private static int freePort() throws Exception {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    }
  }
}
