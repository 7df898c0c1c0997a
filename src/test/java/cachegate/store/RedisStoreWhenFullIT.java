package cachegate.store;

import static cachegate.store.ResponseStoreContract.RETENTION;
import static cachegate.store.ResponseStoreContract.entry;
import static cachegate.store.ResponseStoreContract.key;
import static org.assertj.core.api.Assertions.assertThat;

import cachegate.engine.CacheKey;
import cachegate.engine.CircuitBreaker;
import cachegate.engine.StoreException;
import cachegate.engine.WriteRefusedException;
import cachegate.support.RedisServer;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A real Redis at its {@code maxmemory} with {@code noeviction}: it answers every write with an
 * {@code OOM} error. The store tells that refusal apart from Redis not answering, and error replies
 * never open its circuit breaker.
 */
class RedisStoreWhenFullIT {
  private static final Duration LEASE = Duration.ofSeconds(2);

  private RedisServer server;
  private RedisStore store;

  @BeforeEach
  void startSmallRedis() {
    server = RedisServer.start("--maxmemory", "2mb", "--maxmemory-policy", "noeviction");
    store = server.store();
  }

  @AfterEach
  void stop() {
    store.close();
    server.close();
  }

  @Test
  void aFullRedisRefusesWritesWithoutOpeningTheBreakerAndStillServesWhatItHolds() {
    store.put(key("germany"), entry("[\"berlin\"]"), RETENTION).join();
    server.fillUntilFull();

    for (int i = 0; i < 10; i++) {
      assertThat(store.put(key("france-" + i), entry("[\"paris\"]"), RETENTION))
          .failsWithin(Duration.ofSeconds(10))
          .withThrowableThat()
          .havingCause()
          .isInstanceOf(WriteRefusedException.class)
          .withMessageContaining("refused SET")
          .withMessageContaining("it is full (maxmemory)");
    }

    assertThat(store.breakerState()).isEqualTo(CircuitBreaker.State.CLOSED);
    assertThat(store.get(key("germany")).join()).contains(entry("[\"berlin\"]"));
    assertThat(server.sync().exists("contract:v2:{universities:country=france-0}")).isZero();
  }

  @Test
  void aFullRedisRefusesTheFetchLeaseWithoutOpeningTheBreaker() {
    RedisLease lease = new RedisLease(store);
    CacheKey key = key("japan");
    server.fillUntilFull();

    for (int i = 0; i < 10; i++) {
      assertThat(lease.tryAcquire(key, LEASE))
          .failsWithin(Duration.ofSeconds(10))
          .withThrowableThat()
          .havingCause()
          .isInstanceOf(WriteRefusedException.class);
    }

    assertThat(store.breakerState()).isEqualTo(CircuitBreaker.State.CLOSED);
    assertThat(server.sync().exists(key.leaseKey())).isZero();
    assertThat(lease.release(key)).succeedsWithin(Duration.ofSeconds(10));
  }

  @Test
  void aFullRedisAnswersLookupsOfWhatItHoldsAndRefusesTheLeaseOfTheRest() {
    RedisLease lease = new RedisLease(store);
    store.put(key("germany"), entry("[\"berlin\"]"), RETENTION).join();
    server.fillUntilFull();

    assertThat(store.lookup(key("germany"), lease, LEASE).join().stored())
        .contains(entry("[\"berlin\"]"));
    assertThat(store.lookup(key("japan"), lease, LEASE))
        .failsWithin(Duration.ofSeconds(10))
        .withThrowableThat()
        .havingCause()
        .isInstanceOf(WriteRefusedException.class);
    assertThat(store.breakerState()).isEqualTo(CircuitBreaker.State.CLOSED);
  }

  @Test
  void writesAreAcceptedAgainOnceRedisHasRoom() {
    server.fillUntilFull();
    CompletableFuture<Boolean> refused = store.put(key("turkey"), entry("[1]"), RETENTION);
    assertThat(refused).failsWithin(Duration.ofSeconds(10));

    server.sync().configSet("maxmemory", "64mb");

    assertThat(store.put(key("turkey"), entry("[1]"), RETENTION).join()).isTrue();
    assertThat(store.get(key("turkey")).join()).contains(entry("[1]"));
  }

  @Test
  void otherErrorRepliesFailTheCommandButLeaveTheBreakerClosed() {
    server.sync().lpush("contract:v2:{universities:country=chile}", "not an envelope");

    for (int i = 0; i < 10; i++) {
      assertThat(store.get(key("chile")))
          .failsWithin(Duration.ofSeconds(10))
          .withThrowableThat()
          .havingCause()
          .isExactlyInstanceOf(StoreException.class)
          .withMessageContaining("answered GET")
          .withMessageContaining("WRONGTYPE");
    }

    assertThat(store.breakerState()).isEqualTo(CircuitBreaker.State.CLOSED);
  }
}
