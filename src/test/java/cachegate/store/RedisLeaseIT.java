package cachegate.store;

import static org.assertj.core.api.Assertions.assertThat;

import cachegate.engine.CacheKey;
import cachegate.support.RedisServer;
import io.lettuce.core.api.sync.RedisCommands;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The fetch lease against a real Redis: one holder, renewed and released by its holder only. */
class RedisLeaseIT {
  private static final CacheKey KEY =
      new CacheKey("lease", "universities", Map.of("country", "germany"));
  private static final Duration TTL = Duration.ofSeconds(2);

  private static RedisServer server;
  private static RedisCommands<String, String> redis;
  private RedisStore storeA;
  private RedisStore storeB;
  private RedisLease a;
  private RedisLease b;

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
  void twoInstances() {
    redis.flushall();
    storeA = store();
    storeB = store();
    a = new RedisLease(storeA);
    b = new RedisLease(storeB);
  }

  @AfterEach
  void close() {
    storeA.close();
    storeB.close();
  }

  private static RedisStore store() {
    return server.store();
  }

  @Test
  void onlyOneInstanceHoldsTheLease() {
    assertThat(a.tryAcquire(KEY, TTL).join()).isTrue();

    assertThat(b.tryAcquire(KEY, TTL).join()).isFalse();
    assertThat(redis.pttl(KEY.leaseKey())).isBetween(1L, 2_000L);
  }

  @Test
  void aLeaseLeftBehindByThisInstanceIsTakenAgain() {
    a.tryAcquire(KEY, TTL).join();

    boolean again = a.tryAcquire(KEY, TTL).join();

    assertThat(again).isTrue();
  }

  @Test
  void onlyTheHolderRenewsOrReleases() {
    a.tryAcquire(KEY, TTL).join();

    boolean renewedByOther = b.renew(KEY, Duration.ofSeconds(30)).join();
    b.release(KEY).join();
    boolean renewedByHolder = a.renew(KEY, Duration.ofSeconds(30)).join();

    assertThat(renewedByOther).isFalse();
    assertThat(renewedByHolder).isTrue();
    assertThat(redis.pttl(KEY.leaseKey())).isGreaterThan(2_000L);
    a.release(KEY).join();
    assertThat(redis.exists(KEY.leaseKey())).isZero();
    assertThat(b.tryAcquire(KEY, TTL).join()).isTrue();
  }
}
