package cachegate.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import cachegate.engine.ManualClock;
import cachegate.support.GatewayUnderTest;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The in-process tier over Redis, across instances. */
class TiersIT extends RedisAndUpstream {
  private static final String GERMANY = "/universities?country=Germany";
  private static final String GERMANY_KEY = "cachegate:v2:{universities:country=germany}";
  private static final JsonObject NEW_UNIVERSITY =
      new JsonObject().put("name", "Hochschule Neu").put("country", "Germany");

  @Test
  void localTierServesHitsWithoutReadingRedis() {
    GatewayUnderTest gateway = gateway(new ManualClock());
    gateway.get(GERMANY);
    await().until(() -> redis.exists(GERMANY_KEY) == 1); // written just after the answer
    redis.del(GERMANY_KEY);

    String cacheHeader = gateway.get(GERMANY).headers().firstValue("X-Cache").orElseThrow();

    assertThat(cacheHeader).isEqualTo("HIT");
    assertThat(upstream.requests()).isEqualTo(1);
  }

  @Test
  void withoutTheLocalTierEveryHitReadsRedis() {
    GatewayUnderTest gateway = gateway(new ManualClock(), Map.of("CACHE_LOCAL_MAX_BYTES", "0"));
    gateway.get(GERMANY);
    await().until(() -> redis.exists(GERMANY_KEY) == 1); // written just after the answer
    redis.del(GERMANY_KEY);

    String cacheHeader = gateway.get(GERMANY).headers().firstValue("X-Cache").orElseThrow();

    assertThat(cacheHeader).isEqualTo("MISS");
    assertThat(upstream.requests()).isEqualTo(2);
  }

  @Test
  void replacementOnOneInstanceEvictsTheOtherInstancesLocalCopyWithinASecond() {
    ManualClock clockA = new ManualClock();
    GatewayUnderTest a = gateway(clockA);
    GatewayUnderTest b = gateway(new ManualClock());
    a.get(GERMANY);
    b.get(GERMANY);
    upstream.appendToEveryAnswer(NEW_UNIVERSITY);
    await()
        .atMost(Duration.ofSeconds(5))
        .until(
            () -> redis.pubsubNumsub("cachegate:v2:evictions").get("cachegate:v2:evictions") >= 2);

    clockA.advance(Duration.ofSeconds(31));
    a.get(GERMANY);

    await()
        .atMost(Duration.ofSeconds(1))
        .untilAsserted(
            () -> assertThat(new JsonArray(b.get(GERMANY).body())).contains(NEW_UNIVERSITY));
    assertThat(upstream.requests()).isEqualTo(2);
  }

  @Test
  void localCopyNeverOutlivesFreshnessEvenWithoutAnEviction() {
    ManualClock clock = new ManualClock();
    GatewayUnderTest gateway = gateway(clock);
    gateway.get(GERMANY);
    await().until(() -> redis.exists(GERMANY_KEY) == 1); // written just after the answer
    redis.del(GERMANY_KEY);

    clock.advance(Duration.ofSeconds(30));
    String cacheHeader = gateway.get(GERMANY).headers().firstValue("X-Cache").orElseThrow();

    assertThat(cacheHeader).isEqualTo("MISS");
  }
}
