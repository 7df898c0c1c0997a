package cachegate.store;

import static org.assertj.core.api.Assertions.assertThat;

import cachegate.engine.CacheKey;
import cachegate.engine.CachedResponse;
import cachegate.engine.FetchLease;
import cachegate.support.RedisServer;
import io.lettuce.core.api.sync.RedisCommands;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The fetch lease against a real Redis: one holder, renewed and released by its holder only; every
 * try reads the key's entry in the same step.
 */
class RedisLeaseIT {
  private static final CacheKey KEY =
      new CacheKey("lease", "universities", Map.of("country", "germany"));
  private static final Duration TTL = Duration.ofSeconds(2);
  private static final Duration RETENTION = Duration.ofMinutes(5);
  private static final CachedResponse ANSWER =
      new CachedResponse(
          200,
          "application/json",
          "[\"berlin\"]".getBytes(StandardCharsets.UTF_8),
          Instant.parse("2026-01-01T00:00:00Z"),
          Duration.ofSeconds(30));

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
    assertThat(a.tryAcquire(KEY, TTL).join().acquired()).isTrue();

    assertThat(b.tryAcquire(KEY, TTL).join().acquired()).isFalse();
    assertThat(redis.pttl(KEY.leaseKey())).isBetween(1L, 2_000L);
  }

  @Test
  void aLeaseLeftBehindByThisInstanceIsTakenAgain() {
    a.tryAcquire(KEY, TTL).join();

    boolean again = a.tryAcquire(KEY, TTL).join().acquired();

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
    assertThat(b.tryAcquire(KEY, TTL).join().acquired()).isTrue();
  }

  @Test
  void aTryFindsNothingStoredWhenTheKeyHoldsNothing() {
    FetchLease.Attempt attempt = a.tryAcquire(KEY, TTL).join();

    assertThat(attempt.acquired()).isTrue();
    assertThat(attempt.stored()).isEmpty();
  }

  @Test
  void aTryWhileAnotherHoldsTheLeaseReturnsWhatIsStored() {
    a.tryAcquire(KEY, TTL).join();
    storeA.put(KEY, ANSWER, RETENTION).join();

    FetchLease.Attempt attempt = b.tryAcquire(KEY, TTL).join();

    assertThat(attempt.acquired()).isFalse();
    assertThat(attempt.stored()).contains(ANSWER);
  }

  @Test
  void aTryAfterTheHolderLetGoSeesTheAnswerItStoredBefore() {
    a.tryAcquire(KEY, TTL).join();
    storeA.put(KEY, ANSWER, RETENTION).join();
    a.release(KEY).join();

    FetchLease.Attempt attempt = b.tryAcquire(KEY, TTL).join();

    assertThat(attempt.acquired()).isTrue();
    assertThat(attempt.stored()).contains(ANSWER);
  }

  @Test
  void aValueThatIsNoEntryReadsAsNothingStoredAndTheLeaseStillWorks() {
    redis.lpush(KEY.redisKey(), "not an envelope");

    FetchLease.Attempt first = a.tryAcquire(KEY, TTL).join();
    redis.del(KEY.redisKey());
    redis.set(KEY.redisKey(), "not an envelope either");
    FetchLease.Attempt second = b.tryAcquire(KEY, TTL).join();

    assertThat(first.acquired()).isTrue();
    assertThat(first.stored()).isEmpty();
    assertThat(second.acquired()).isFalse();
    assertThat(second.stored()).isEmpty();
  }
}
