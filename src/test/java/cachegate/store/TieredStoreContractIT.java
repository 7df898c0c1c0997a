package cachegate.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import cachegate.engine.CacheMetrics;
import cachegate.engine.ManualClock;
import cachegate.engine.ResponseStore;
import cachegate.support.RedisServer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The store contract for the local tier over Redis, plus eviction across instances. */
class TieredStoreContractIT extends ResponseStoreContract {
  private static RedisServer server;

  private final ManualClock clock = new ManualClock();
  private final List<RedisStore> opened = new ArrayList<>();

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
  ResponseStore store() {
    return tiered();
  }

  private TieredStore tiered() {
    RedisStore redis = server.store();
    opened.add(redis);
    return new TieredStore(
        new MemoryStore(1 << 20, clock), redis, clock, CacheMetrics.none(), "contract");
  }

  @Test
  void removalOnOneInstanceEvictsTheOthersLocalCopy() {
    TieredStore a = tiered();
    TieredStore b = tiered();
    a.put(key("germany"), entry("[1]"), RETENTION).join();
    assertThat(b.get(key("germany")).join()).contains(entry("[1]"));
    awaitSubscribed();

    a.remove(key("germany")).join();

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

  /** Both stores' subscriptions are up: the channel has two subscribers. */
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
