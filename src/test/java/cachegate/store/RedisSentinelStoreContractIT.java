package cachegate.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import cachegate.engine.CacheKey;
import cachegate.engine.FetchLease;
import cachegate.support.RedisSentinels;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * The store contract against the master that Redis Sentinel names (a master, a replica, three
 * sentinels), and the store following a failover; that test runs last as it kills the master.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class RedisSentinelStoreContractIT extends ResponseStoreContract<RedisStore> {
  private static RedisSentinels sentinels;
  private final List<RedisStore> opened = new ArrayList<>();
  private RedisStore store;

  @BeforeAll
  static void startSentinels() {
    sentinels = RedisSentinels.start();
  }

  @AfterAll
  static void stopSentinels() {
    sentinels.close();
  }

  @BeforeEach
  void newStore() {
    sentinels.flushAll();
    store = open();
  }

  @AfterEach
  void closeStores() {
    opened.forEach(RedisStore::close);
  }

  @Override
  RedisStore store() {
    return store;
  }

  @Override
  FetchLease leaseBeside(RedisStore store) {
    return new RedisLease(store);
  }

  @Override
  Optional<FetchLease> otherInstancesLease(RedisStore store) {
    return Optional.of(new RedisLease(open()));
  }

  private RedisStore open() {
    RedisStore opened = sentinels.store();
    this.opened.add(opened);
    return opened;
  }

  @Test
  void entriesAreWrittenToTheMasterTheSentinelsName() {
    store.put(key("germany"), entry("[1]"), RETENTION).join();

    assertThat(sentinels.keys("*")).containsExactly("contract:v2:{universities:country=germany}");
  }

  @Test
  @Order(Integer.MAX_VALUE)
  void afterTheMasterDiesTheStoreReadsAndWritesThePromotedReplica() {
    CacheKey germany = key("germany");
    store.put(germany, entry("[1]"), RETENTION).join();
    List<String> received = new CopyOnWriteArrayList<>();
    store.subscribe("contract:v2:evictions", received::add);
    RedisStore publisher = open();
    await()
        .atMost(Duration.ofSeconds(5))
        .ignoreExceptions()
        .until(() -> publisher.publish("contract:v2:evictions", "before").join() == 1);

    int promoted = sentinels.killMaster();

    await()
        .atMost(Duration.ofSeconds(15))
        .ignoreExceptions()
        .untilAsserted(() -> assertThat(store.get(germany).join()).contains(entry("[1]")));
    await()
        .atMost(Duration.ofSeconds(15))
        .ignoreExceptions()
        .until(() -> store.put(key("france"), entry("[2]"), RETENTION).join());
    assertThat(sentinels.masterPort()).isEqualTo(promoted);
    assertThat(sentinels.keys("*")).contains("contract:v2:{universities:country=france}");
    await()
        .atMost(Duration.ofSeconds(15))
        .ignoreExceptions()
        .until(() -> publisher.publish("contract:v2:evictions", "after").join() == 1);
    await().atMost(Duration.ofSeconds(5)).until(() -> received.contains("after"));
  }
}
