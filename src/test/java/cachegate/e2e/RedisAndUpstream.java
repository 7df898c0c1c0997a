package cachegate.e2e;

import cachegate.support.FakeUniversitiesApi;
import cachegate.support.GatewayUnderTest;
import cachegate.support.RedisServer;
import io.lettuce.core.api.sync.RedisCommands;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;

/**
 * A real Redis and the fake universities API for a test class, emptied before each test, and
 * cachegate instances started on them and stopped after each test.
 */
abstract class RedisAndUpstream {
  static final String ENTRIES = "*:v2:{universities:*";

  static RedisServer redisServer;
  static FakeUniversitiesApi upstream;
  static RedisCommands<String, String> redis;

  private final List<GatewayUnderTest> gateways = new ArrayList<>();

  @BeforeAll
  static void startDependencies() {
    redisServer = RedisServer.start();
    upstream = FakeUniversitiesApi.start();
    redis = redisServer.sync();
  }

  @AfterAll
  static void stopDependencies() {
    upstream.close();
    redisServer.close();
  }

  @BeforeEach
  void emptyDependencies() {
    redis.flushall();
    upstream.reset();
  }

  @AfterEach
  void stopGateways() {
    gateways.forEach(GatewayUnderTest::close);
  }

  /** cachegate on the Redis and the fake upstream, without TTL jitter, plus {@code overrides}. */
  GatewayUnderTest gateway(InstantSource clock, Map<String, String> overrides) {
    Map<String, String> env = new HashMap<>();
    env.put("CACHE_TYPE", "redis");
    env.put("CACHE_REDIS_URL", redisServer.url());
    env.put("CACHE_REDIS_TIMEOUT", "2s");
    env.put("UNIVERSITIES_API_URL", upstream.url());
    env.put("UPSTREAM_TIMEOUT", "5");
    env.put("CACHE_TTL_JITTER", "0");
    env.putAll(overrides);
    GatewayUnderTest gateway = GatewayUnderTest.start(env, clock);
    gateways.add(gateway);
    return gateway;
  }

  GatewayUnderTest gateway(InstantSource clock) {
    return gateway(clock, Map.of());
  }
}
