package cachegate.store;

import static org.assertj.core.api.Assertions.assertThat;

import cachegate.config.RedisConfig;
import cachegate.engine.FetchLease;
import cachegate.engine.StoreException;
import cachegate.support.RedisServer;
import io.lettuce.core.api.sync.RedisCommands;
import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The store contract against a real Redis, plus what only Redis can get wrong. */
class RedisStoreContractIT extends ResponseStoreContract<RedisStore> {
  private static RedisServer server;
  private static RedisCommands<String, String> redis;
  private RedisStore store;
  private final java.util.List<RedisStore> others = new java.util.ArrayList<>();

  @BeforeAll
  static void startRedis() {
    server = RedisServer.start();
    redis = server.sync();
  }

  @AfterAll
  static void stopRedis() {
    server.close();
  }

  @BeforeEach
  void newStore() {
    redis.flushall();
    store = server.store();
  }

  @AfterEach
  void closeStore() {
    store.close();
    others.forEach(RedisStore::close);
  }

  @Override
  RedisStore store() {
    return store;
  }

  @Override
  FetchLease leaseBeside(RedisStore store) {
    return new RedisLease(store);
  }

  private RedisStore opened(RedisStore other) {
    others.add(other);
    return other;
  }

  @Override
  Optional<FetchLease> otherInstancesLease(RedisStore store) {
    return Optional.of(new RedisLease(opened(server.store())));
  }

  @Test
  void entryIsStoredUnderItsReadableKeyWithTheRetentionAsTtl() {
    store.put(key("germany"), entry("[]"), Duration.ofSeconds(30)).join();

    assertThat(redis.pttl("contract:v2:{universities:country=germany}"))
        .isBetween(29_000L, 30_000L);
  }

  @Test
  void valueThatIsNotAnEnvelopeIsAStoreFailureNotAnEntry() {
    redis.set("contract:v2:{universities:country=germany}", "{\"not\":\"ours\"}");

    assertThat(store.get(key("germany")))
        .failsWithin(Duration.ofSeconds(5))
        .withThrowableThat()
        .havingRootCause()
        .isInstanceOf(StoreException.class)
        .withMessageContaining("no cachegate envelope");
  }

  @Test
  void envelopeCopiedUnderAnotherKeyIsRefused() {
    store.put(key("germany"), entry("[\"de\"]"), RETENTION).join();
    redis.copy(
        "contract:v2:{universities:country=germany}", "contract:v2:{universities:country=france}");

    assertThat(store.get(key("france")))
        .failsWithin(Duration.ofSeconds(5))
        .withThrowableThat()
        .havingRootCause()
        .withMessageContaining("it was stored under contract:v2:{universities:country=germany}");
  }

  @Test
  void unreachableRedisFailsFastWithAStoreException() {
    RedisStore nowhere =
        new RedisStore(
            new RedisConfig(
                "127.0.0.1", 1, 0, "", "", RedisConfig.Transport.PLAIN, Duration.ofMillis(100)),
            new cachegate.engine.ManualClock());
    try {
      assertThat(nowhere.get(key("germany")))
          .failsWithin(Duration.ofSeconds(3))
          .withThrowableOfType(java.util.concurrent.ExecutionException.class)
          .withCauseInstanceOf(StoreException.class);
      assertThat(nowhere.ping()).succeedsWithin(Duration.ofSeconds(3)).isEqualTo(false);
    } finally {
      nowhere.close();
    }
  }

  @Test
  void pingAnswersTrueWhileRedisRuns() {
    assertThat(store.ping().join()).isTrue();
  }
}
