package cachegate.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import cachegate.support.RedisCluster;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The Redis store follows a Redis Cluster when a node dies: a new cluster for each test. */
class RedisClusterFailoverIT {
  private static final Duration RETENTION = ResponseStoreContract.RETENTION;

  private RedisCluster cluster;
  private final List<RedisStore> opened = new ArrayList<>();
  private RedisStore store;

  @BeforeEach
  void startCluster() {
    cluster = RedisCluster.start();
    store = open();
  }

  @AfterEach
  void stopCluster() {
    opened.forEach(RedisStore::close);
    cluster.close();
  }

  private RedisStore open() {
    RedisStore opened = cluster.store();
    this.opened.add(opened);
    return opened;
  }

  @Test
  void afterAMasterDiesItsKeysAreReadAndWrittenOnThePromotedReplica() {
    cachegate.engine.CacheKey germany = ResponseStoreContract.key("germany");
    store.put(germany, ResponseStoreContract.entry("[1]"), RETENTION).join();
    await().atMost(Duration.ofSeconds(5)).until(() -> replicated(germany.redisKey()));

    int promoted = cluster.killMasterOf(germany.redisKey());

    await()
        .atMost(Duration.ofSeconds(10))
        .ignoreExceptions()
        .untilAsserted(
            () ->
                assertThat(store.get(germany).join()).contains(ResponseStoreContract.entry("[1]")));
    await()
        .atMost(Duration.ofSeconds(10))
        .ignoreExceptions()
        .until(
            () ->
                store
                    .put(
                        ResponseStoreContract.key("france"),
                        ResponseStoreContract.entry("[2]"),
                        RETENTION)
                    .join());
    assertThat(cluster.masterOf(germany.redisKey())).isEqualTo(promoted);
  }

  @Test
  void aSubscriptionFollowsWhenItsNodeDies() {
    String channel = "contract:v2:evictions";
    RedisStore publisher = open();
    List<String> received = new CopyOnWriteArrayList<>();
    store.subscribe(channel, received::add);
    await().atMost(Duration.ofSeconds(5)).until(() -> subscribedOn(channel) >= 0);
    int node = subscribedOn(channel);

    cluster.kill(node);
    cluster.awaitOk();

    await()
        .atMost(Duration.ofSeconds(15))
        .pollInterval(Duration.ofMillis(200))
        .ignoreExceptions()
        .until(
            () -> {
              String message = "after-" + System.nanoTime();
              publisher.publish(channel, message).join();
              return received.contains(message)
                  || received.stream().anyMatch(m -> m.startsWith("after-"));
            });
    assertThat(subscribedOn(channel)).isNotEqualTo(node).isNotNegative();
  }

  /** The live node holding the subscription, or -1. */
  private int subscribedOn(String channel) {
    return cluster.livePorts().stream()
        .filter(port -> cluster.subscribers(port, channel) > 0)
        .findFirst()
        .orElse(-1);
  }

  private boolean replicated(String key) {
    return cluster.livePorts().stream()
            .filter(port -> cluster.keysOnNode(port, key).contains(key))
            .count()
        >= 2;
  }
}
