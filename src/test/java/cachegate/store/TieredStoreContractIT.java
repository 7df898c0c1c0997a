package cachegate.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import cachegate.engine.CacheMetrics;
import cachegate.engine.EntryCatalog.Purge;
import cachegate.engine.FetchLease;
import cachegate.engine.ManualClock;
import cachegate.engine.OutageLog;
import cachegate.metrics.MicrometerCacheMetrics;
import cachegate.support.CapturedLogs;
import cachegate.support.RedisServer;
import io.lettuce.core.AclSetuserArgs;
import io.lettuce.core.protocol.CommandType;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The store contract for the local tier over Redis, plus eviction across instances. */
class TieredStoreContractIT extends ResponseStoreContract<TieredStore> {
  private static RedisServer server;

  private final ManualClock clock = new ManualClock();
  private final List<RedisStore> opened = new ArrayList<>();
  private final java.util.Map<TieredStore, RedisStore> redisOf = new java.util.IdentityHashMap<>();

  @BeforeAll
  static void startRedis() {
    server = RedisServer.start();
  }

  @AfterAll
  static void stopRedis() {
    server.close();
  }

  @BeforeEach
  void emptyRedis() {
    server.sync().flushall();
  }

  @AfterEach
  void closeStores() {
    opened.forEach(RedisStore::close);
  }

  @Override
  TieredStore store() {
    return tiered();
  }

  private TieredStore tiered() {
    return tiered(CacheMetrics.none());
  }

  private TieredStore tiered(CacheMetrics metrics) {
    RedisStore redis = server.store();
    opened.add(redis);
    TieredStore tiered =
        new TieredStore(
            new MemoryStore(1 << 20, clock),
            redis,
            clock,
            new OutageLog("Redis"),
            metrics,
            "contract");
    redisOf.put(tiered, redis);
    return tiered;
  }

  @Override
  FetchLease leaseBeside(TieredStore store) {
    return new RedisLease(redisOf.get(store));
  }

  @Override
  java.util.Optional<FetchLease> otherInstancesLease(TieredStore store) {
    RedisStore other = server.store();
    opened.add(other);
    return java.util.Optional.of(new RedisLease(other));
  }

  @Test
  void aLocalHitIsLookedUpWithoutRedis() {
    TieredStore store = tiered();
    FetchLease lease = leaseBeside(store);
    store.put(key("germany"), entry("[\"berlin\"]"), RETENTION).join();
    server.sync().flushall();

    FetchLease.Lookup found = store.lookup(key("germany"), lease, Duration.ofSeconds(2)).join();

    assertThat(found.stored()).contains(entry("[\"berlin\"]"));
    assertThat(found.claim()).isEqualTo(FetchLease.Claim.NOT_TRIED);
    assertThat(found.tier()).isEqualTo("local");
    assertThat(server.sync().keys("*lease*")).isEmpty();
  }

  @Test
  void aRedisHitFoundByALookupIsCopiedToTheLocalTier() {
    TieredStore writer = tiered();
    TieredStore reader = tiered();
    writer.put(key("germany"), entry("[\"berlin\"]"), RETENTION).join();

    FetchLease.Lookup found =
        reader.lookup(key("germany"), leaseBeside(reader), Duration.ofSeconds(2)).join();
    server.sync().flushall();

    assertThat(found.tier()).isEqualTo("redis");
    assertThat(reader.get(key("germany")).join()).contains(entry("[\"berlin\"]"));
  }

  @Test
  void removalOnOneInstanceEvictsTheOthersLocalCopy() {
    TieredStore a = tiered();
    TieredStore b = tiered();
    a.put(key("germany"), entry("[1]"), RETENTION).join();
    assertThat(b.get(key("germany")).join()).contains(entry("[1]"));
    awaitSubscribed();

    a.remove(key("germany").redisKey()).join();

    await()
        .atMost(Duration.ofSeconds(1))
        .untilAsserted(() -> assertThat(b.get(key("germany")).join()).isEmpty());
  }

  @Test
  void localCopyIsServedWhileRedisLosesTheEntry() {
    TieredStore store = tiered();
    store.put(key("germany"), entry("[1]"), RETENTION).join();

    server.sync().flushall();

    assertThat(store.get(key("germany")).join()).contains(entry("[1]"));
  }

  @Test
  void anEvictionThatCannotBeAnnouncedIsCountedLoggedOnceAndThePurgeSaysTheOthersWereNotTold() {
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    TieredStore store = tiered(new MicrometerCacheMetrics(registry));
    store.put(key("germany"), entry("[1]"), RETENTION).join();
    store.put(key("france"), entry("[2]"), RETENTION).join();

    Purge notTold;
    try (CapturedLogs logs = CapturedLogs.of(OutageLog.class)) {
      server
          .sync()
          .aclSetuser("default", AclSetuserArgs.Builder.removeCommand(CommandType.PUBLISH));
      try {
        store.put(key("japan"), entry("[3]"), RETENTION).join();
        notTold = store.remove(key("germany").redisKey()).join();
        await()
            .atMost(Duration.ofSeconds(5))
            .untilAsserted(() -> assertThat(evictionFailures(registry)).isEqualTo(2));
      } finally {
        server.sync().aclSetuser("default", AclSetuserArgs.Builder.addCommand(CommandType.PUBLISH));
      }
      Purge told = store.remove(key("france").redisKey()).join();

      assertThat(notTold.entries()).isEqualTo(1);
      assertThat(notTold.othersNotTold())
          .hasValueSatisfying(why -> assertThat(why).contains("NOPERM"));
      assertThat(told).isEqualTo(Purge.of(1));
      assertThat(logs.lines())
          .hasSize(2)
          .satisfies(
              lines -> {
                assertThat(lines.get(0))
                    .startsWith("WARN Redis eviction channel contract:v2:evictions is failing");
                assertThat(lines.get(1))
                    .isEqualTo("INFO Redis eviction channel contract:v2:evictions has recovered");
              });
    }
    assertThat(store.get(key("germany")).join()).isEmpty();
    assertThat(store.get(key("japan")).join()).contains(entry("[3]"));
  }

  private static double evictionFailures(SimpleMeterRegistry registry) {
    Counter counter = registry.find("cachegate.store.errors").tag("tier", "evictions").counter();
    return counter == null ? 0 : counter.count();
  }

  /** Both stores' subscriptions are up: the channel has two subscribers. */
  @Test
  void closedWhileItsSubscriptionConnectsLeavesNoSubscriberBehind() {
    RedisStore redis = server.store();
    new TieredStore(
        new MemoryStore(1 << 20, clock),
        redis,
        clock,
        new OutageLog("Redis"),
        CacheMetrics.none(),
        "closing");

    redis.close();

    await()
        .during(Duration.ofSeconds(1))
        .atMost(Duration.ofSeconds(3))
        .until(() -> subscribers("closing:v2:evictions") == 0);
  }

  private static long subscribers(String channel) {
    return server.sync().pubsubNumsub(channel).values().stream().mapToLong(Long::longValue).sum();
  }

  private static void awaitSubscribed() {
    await()
        .atMost(Duration.ofSeconds(5))
        .until(
            () ->
                server.sync().pubsubNumsub("contract:v2:evictions").values().stream()
                        .mapToLong(Long::longValue)
                        .sum()
                    >= 2);
  }
}
