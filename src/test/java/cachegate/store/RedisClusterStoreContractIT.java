package cachegate.store;

import static org.assertj.core.api.Assertions.assertThat;

import cachegate.engine.CacheKey;
import cachegate.engine.EntryCatalog;
import cachegate.engine.FetchLease;
import cachegate.support.RedisCluster;
import io.lettuce.core.cluster.SlotHash;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The store contract against a real Redis Cluster (3 masters, 3 replicas), plus what only a cluster
 * can get wrong: keys on every master, a lease beside its entry, failover, pub/sub.
 */
class RedisClusterStoreContractIT extends ResponseStoreContract<RedisStore> {
  private static final String ROUTE_PREFIX = "contract:v2:{universities:";

  private static RedisCluster cluster;
  private final List<RedisStore> opened = new ArrayList<>();
  private RedisStore store;

  @BeforeAll
  static void startCluster() {
    cluster = RedisCluster.start();
  }

  @AfterAll
  static void stopCluster() {
    cluster.close();
  }

  @BeforeEach
  void newStore() {
    cluster.awaitOk();
    cluster.flushAll();
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
    RedisStore opened = cluster.store();
    this.opened.add(opened);
    return opened;
  }

  @Test
  void entriesOnEveryMasterAreListedPageByPage() {
    Set<String> written = putMany(200);

    List<String> listed = new ArrayList<>();
    String cursor = "0";
    do {
      EntryCatalog.Page page = store.list(ROUTE_PREFIX, cursor, 10).join();
      page.entries().forEach(entry -> listed.add(entry.key()));
      cursor = page.cursor();
    } while (!"0".equals(cursor));

    assertThat(cluster.masters())
        .allSatisfy(port -> assertThat(keysOn(port, written)).isNotEmpty());
    assertThat(listed).containsExactlyInAnyOrderElementsOf(written);
  }

  @Test
  void removeAllRemovesTheRouteFromEveryMasterAndNothingElse() {
    Set<String> written = putMany(200);
    store
        .put(
            new CacheKey("other", "universities", java.util.Map.of("country", "x")),
            entry("[]"),
            RETENTION)
        .join();

    long removed = store.removeAll(ROUTE_PREFIX).join().entries();

    assertThat(removed).isEqualTo(written.size());
    assertThat(cluster.keys("*")).containsExactly("other:v2:{universities:country=x}");
  }

  @Test
  void anEntryAndItsLeaseShareASlotAndTheLeaseWorks() {
    CacheKey key = key("germany");
    RedisLease a = new RedisLease(store);
    RedisLease b = new RedisLease(open());

    boolean first = a.tryAcquire(key, Duration.ofSeconds(2)).join().acquired();
    boolean second = b.tryAcquire(key, Duration.ofSeconds(2)).join().acquired();

    assertThat(SlotHash.getSlot(key.leaseKey())).isEqualTo(SlotHash.getSlot(key.redisKey()));
    assertThat(first).isTrue();
    assertThat(second).isFalse();
    a.release(key).join();
    assertThat(b.tryAcquire(key, Duration.ofSeconds(2)).join().acquired()).isTrue();
  }

  @Test
  void aTryForTheLeaseReadsTheEntryBesideIt() {
    CacheKey key = key("france");
    store.put(key, entry("[\"paris\"]"), RETENTION).join();

    FetchLease.Attempt attempt =
        new RedisLease(open()).tryAcquire(key, Duration.ofSeconds(2)).join();

    assertThat(attempt.acquired()).isTrue();
    assertThat(attempt.stored()).contains(entry("[\"paris\"]"));
  }

  private Set<String> putMany(int count) {
    List<CompletableFuture<Boolean>> writes =
        IntStream.range(0, count)
            .mapToObj(i -> store.put(key("c" + i), entry("[" + i + "]"), RETENTION))
            .toList();
    CompletableFuture.allOf(writes.toArray(CompletableFuture[]::new)).join();
    return IntStream.range(0, count)
        .mapToObj(i -> key("c" + i).redisKey())
        .collect(Collectors.toSet());
  }

  private static List<String> keysOn(int port, Set<String> among) {
    return cluster.keysOnNode(port, ROUTE_PREFIX + "*").stream().filter(among::contains).toList();
  }
}
