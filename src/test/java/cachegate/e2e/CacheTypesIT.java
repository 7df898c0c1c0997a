package cachegate.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import cachegate.engine.ManualClock;
import cachegate.support.FakeUniversitiesApi;
import cachegate.support.GatewayUnderTest;
import io.vertx.core.json.JsonObject;
import java.net.ServerSocket;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The cache types other than Redis, and Redis configured but not running: no Redis needed. */
class CacheTypesIT {
  private static FakeUniversitiesApi upstream;
  private final ManualClock clock = new ManualClock();

  @BeforeAll
  static void startUpstream() {
    upstream = FakeUniversitiesApi.start();
  }

  @AfterAll
  static void stopUpstream() {
    upstream.close();
  }

  @BeforeEach
  void resetUpstream() {
    upstream.reset();
  }

  @Test
  void withNoCacheConfiguredTheInProcessCacheServesHits() {
    try (GatewayUnderTest gateway =
        GatewayUnderTest.start(Map.of("UNIVERSITIES_API_URL", upstream.url()), clock)) {

      HttpResponse<String> first = gateway.get("/universities?country=France");
      HttpResponse<String> second = gateway.get("/universities?country=france");

      assertThat(first.headers().firstValue("X-Cache")).hasValue("MISS");
      assertThat(second.headers().firstValue("X-Cache")).hasValue("HIT");
      assertThat(second.body()).isEqualTo(first.body());
      assertThat(upstream.requests()).isEqualTo(1);
      assertThat(new JsonObject(gateway.get("/health").body()).getString("cache"))
          .isEqualTo("simple");
    }
  }

  @Test
  void simpleCacheServesStaleAfterTheTtlAndRefreshes() {
    try (GatewayUnderTest gateway =
        GatewayUnderTest.start(
            Map.of("CACHE_TYPE", "SimpleCache", "UNIVERSITIES_API_URL", upstream.url()), clock)) {
      gateway.get("/universities?country=France");

      clock.advance(Duration.ofSeconds(31));
      HttpResponse<String> stale = gateway.get("/universities?country=France");
      org.awaitility.Awaitility.await()
          .atMost(Duration.ofSeconds(5))
          .until(() -> upstream.requests() == 2);
      HttpResponse<String> refreshed = gateway.get("/universities?country=France");

      assertThat(stale.headers().firstValue("X-Cache")).hasValue("STALE");
      assertThat(refreshed.headers().firstValue("X-Cache")).hasValue("HIT");
    }
  }

  @Test
  void nullCacheAlwaysCallsTheUpstream() {
    try (GatewayUnderTest gateway =
        GatewayUnderTest.start(
            Map.of("CACHE_TYPE", "NullCache", "UNIVERSITIES_API_URL", upstream.url()), clock)) {

      HttpResponse<String> first = gateway.get("/universities?country=Japan");
      HttpResponse<String> second = gateway.get("/universities?country=Japan");

      assertThat(first.statusCode()).isEqualTo(200);
      assertThat(second.headers().firstValue("X-Cache")).hasValue("MISS");
      assertThat(second.headers().firstValue("Cache-Status"))
          .get()
          .asString()
          .doesNotContain("stored");
      assertThat(second.body()).isEqualTo(first.body());
      assertThat(upstream.requests()).isEqualTo(2);
    }
  }

  @Test
  void redisThatIsNotRunningStillServesFromUpstreamAndLocalTierAndHealthSaysDegraded()
      throws Exception {
    int closedPort;
    try (ServerSocket socket = new ServerSocket(0)) {
      closedPort = socket.getLocalPort();
    }
    try (GatewayUnderTest gateway =
        GatewayUnderTest.start(
            Map.of(
                "CACHE_TYPE",
                "redis",
                "CACHE_REDIS_URL",
                "redis://:s3cret@127.0.0.1:" + closedPort + "/0",
                "UNIVERSITIES_API_URL",
                upstream.url()),
            clock)) {

      HttpResponse<String> first = gateway.get("/universities?country=Germany");
      HttpResponse<String> second = gateway.get("/universities?country=Germany");
      HttpResponse<String> health = gateway.get("/health");

      assertThat(first.statusCode()).isEqualTo(200);
      assertThat(first.headers().firstValue("X-Cache")).hasValue("MISS");
      assertThat(second.headers().firstValue("X-Cache")).as("from the local tier").hasValue("HIT");
      assertThat(upstream.requests()).isEqualTo(1);
      assertThat(health.statusCode()).isEqualTo(200);
      JsonObject body = new JsonObject(health.body());
      assertThat(body.getString("status")).isEqualTo("DEGRADED");
      assertThat(body.getJsonObject("redis").getBoolean("reachable")).isFalse();
      assertThat(health.body()).doesNotContain("s3cret");
    }
  }
}
