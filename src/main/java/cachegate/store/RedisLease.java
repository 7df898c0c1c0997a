package cachegate.store;

import cachegate.engine.CacheKey;
import cachegate.engine.FetchLease;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Function;

/**
 * The fetch lease in Redis: {@code SET <leaseKey> <token> NX PX <time>} (or this instance's own
 * token already there), renewed and released only by its holder (Lua compare-and-expire and
 * compare-and-delete), so an instance never touches a lease that expired and was taken by another.
 *
 * <p>A full Redis ({@code maxmemory} with {@code noeviction}) refuses the acquisition's {@code
 * SET}: it fails with {@link cachegate.engine.WriteRefusedException}, counted against the {@code
 * lease} tier and logged once by the store, not against its circuit breaker, and the engine fetches
 * by itself, so fetches are shared within each instance only until Redis has room. Renewing ({@code
 * PEXPIRE}) and releasing ({@code DEL}) are not refused. Thread-safe.
 */
public final class RedisLease implements FetchLease {
  private static final String ACQUIRE_OR_MINE =
      "if redis.call('set', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then return 1 end "
          + "if redis.call('get', KEYS[1]) == ARGV[1] then redis.call('pexpire', KEYS[1], ARGV[2]) return 1 end "
          + "return 0";
  private static final String RENEW_IF_MINE =
      "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('pexpire', KEYS[1], ARGV[2]) else return 0 end";
  private static final String RELEASE_IF_MINE =
      "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end";

  private final RedisStore redis;
  private final byte[] token;

  /** A lease holder identified by a random token, unique to this instance. */
  public RedisLease(RedisStore redis) {
    this.redis = redis;
    this.token = UUID.randomUUID().toString().getBytes(StandardCharsets.UTF_8);
  }

  @Override
  public CompletableFuture<Boolean> tryAcquire(CacheKey key, Duration time) {
    return redis.write(
        "lease",
        "acquire " + key.leaseKey(),
        script(ACQUIRE_OR_MINE, key, time),
        done -> done == 1L);
  }

  @Override
  public CompletableFuture<Boolean> renew(CacheKey key, Duration time) {
    return redis.run(
        "renew " + key.leaseKey(), script(RENEW_IF_MINE, key, time), done -> done == 1L);
  }

  private Function<RedisClusterAsyncCommands<String, byte[]>, CompletionStage<Long>> script(
      String script, CacheKey key, Duration time) {
    byte[] millis = String.valueOf(time.toMillis()).getBytes(StandardCharsets.UTF_8);
    return c ->
        c.<Long>eval(
            script, ScriptOutputType.INTEGER, new String[] {key.leaseKey()}, token, millis);
  }

  @Override
  public CompletableFuture<Boolean> isHeld(CacheKey key) {
    return redis.run("EXISTS " + key.leaseKey(), c -> c.exists(key.leaseKey()), n -> n > 0);
  }

  @Override
  public CompletableFuture<Void> release(CacheKey key) {
    return redis.run(
        "release " + key.leaseKey(),
        c ->
            c.<Long>eval(
                RELEASE_IF_MINE, ScriptOutputType.INTEGER, new String[] {key.leaseKey()}, token),
        deleted -> null);
  }
}
