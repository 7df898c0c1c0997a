package cachegate.store;

import static org.assertj.core.api.Assertions.assertThat;

import cachegate.config.RedisConfig;
import cachegate.engine.CacheKey;
import cachegate.engine.CachedResponse;
import cachegate.engine.FetchLease;
import cachegate.engine.ManualClock;
import cachegate.engine.StoreException;
import cachegate.metrics.MicrometerCacheMetrics;
import cachegate.support.RedisServer;
import io.lettuce.core.api.sync.RedisCommands;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
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

  @Test
  void aLookupOfAKeyNotStoredTakesTheLeaseForItsTime() {
    FetchLease.Lookup found = a.lookup(KEY, TTL).join();

    assertThat(found).isEqualTo(FetchLease.Lookup.nothingStored(FetchLease.Claim.TAKEN));
    assertThat(redis.pttl(KEY.leaseKey())).isBetween(1L, 2_000L);
  }

  @Test
  void aLookupOfAStoredEntryReturnsItAndWritesNothing() {
    storeA.put(KEY, ANSWER, RETENTION).join();

    FetchLease.Lookup found = b.lookup(KEY, TTL).join();

    assertThat(found).isEqualTo(FetchLease.Lookup.read(Optional.of(ANSWER)));
    assertThat(redis.exists(KEY.leaseKey())).isZero();
  }

  @Test
  void aLookupWhileAnotherHoldsTheLeaseSaysSoAndLeavesItAlone() {
    a.tryAcquire(KEY, TTL).join();
    redis.pexpire(KEY.leaseKey(), 60_000);

    FetchLease.Lookup found = b.lookup(KEY, TTL).join();

    assertThat(found).isEqualTo(FetchLease.Lookup.nothingStored(FetchLease.Claim.HELD_BY_PEER));
    assertThat(redis.pttl(KEY.leaseKey())).isGreaterThan(2_000L);
  }

  @Test
  void aLookupByTheInstanceHoldingTheLeaseLeavesItToTheFetchThatHoldsIt() {
    a.tryAcquire(KEY, TTL).join();
    redis.pexpire(KEY.leaseKey(), 60_000);

    FetchLease.Lookup found = a.lookup(KEY, TTL).join();

    assertThat(found).isEqualTo(FetchLease.Lookup.read(Optional.empty()));
    assertThat(redis.pttl(KEY.leaseKey())).isGreaterThan(2_000L);
  }

  @Test
  void aLookupSendsTheScriptAgainWhenRedisHasForgottenIt() {
    a.lookup(KEY, TTL).join();
    a.release(KEY).join();
    redis.scriptFlush();

    FetchLease.Lookup found = a.lookup(KEY, TTL).join();

    assertThat(found.claim()).isEqualTo(FetchLease.Claim.TAKEN);
  }

  @Test
  void aLookupOfAValueOfAnotherTypeFailsAndTheLeaseStillWorks() {
    redis.lpush(KEY.redisKey(), "not an envelope");

    assertThat(a.lookup(KEY, TTL))
        .failsWithin(Duration.ofSeconds(5))
        .withThrowableThat()
        .havingRootCause()
        .isInstanceOf(StoreException.class);
    assertThat(a.tryAcquire(KEY, TTL).join().acquired()).isTrue();
  }

  @Test
  void aLookupOfAnEnvelopeOfTheOlderFormatReadsIt() {
    byte[] older = EntryCodecTest.formatOne(KEY.redisKey(), ANSWER);
    storeA.run("SET", c -> c.set(KEY.redisKey(), older), ok -> ok).join();

    FetchLease.Lookup found = b.lookup(KEY, TTL).join();

    assertThat(found.stored()).contains(ANSWER);
  }

  @Test
  void aLookupOfAValueLargerThanAnEntryMayBeFailsAndIsCountedWithoutReadingIt() {
    MultiThreadIoEventLoopGroup loops =
        new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    RedisStore small =
        new RedisStore(
            new RedisConfig(
                "127.0.0.1",
                server.port(),
                0,
                "",
                "",
                RedisConfig.Transport.PLAIN,
                Duration.ofSeconds(2)),
            new ManualClock(),
            loops,
            new MicrometerCacheMetrics(registry),
            1_000);
    try {
      redis.set(KEY.redisKey(), "x".repeat((int) small.maxValueBytes() + 1));

      assertThat(new RedisLease(small).lookup(KEY, TTL))
          .failsWithin(Duration.ofSeconds(5))
          .withThrowableThat()
          .withMessageContaining("not read");
      assertThat(
              registry
                  .get("cachegate.limits.reached")
                  .tag("limit", "redis-entry-too-large")
                  .counter()
                  .count())
          .isEqualTo(1);
    } finally {
      small.close();
      loops.shutdownGracefully();
    }
  }
}
