package cachegate.store;

import cachegate.engine.CacheKey;
import cachegate.engine.FetchLease;
import io.lettuce.core.ScriptOutputType;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;

/**
 * The fetch lease in Redis: {@code SET <leaseKey> <token> NX PX <time>} (or this instance's own
 * token already there), renewed and released only by its holder (Lua compare-and-expire and
 * compare-and-delete), so an instance never touches a lease that expired and was taken by another.
 * Thread-safe.
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
    return script("acquire", ACQUIRE_OR_MINE, key, time);
  }

  @Override
  public CompletableFuture<Boolean> renew(CacheKey key, Duration time) {
    return script("renew", RENEW_IF_MINE, key, time);
  }

  private CompletableFuture<Boolean> script(
      String what, String script, CacheKey key, Duration time) {
    byte[] millis = String.valueOf(time.toMillis()).getBytes(StandardCharsets.UTF_8);
    return redis.run(
        what + " " + key.leaseKey(),
        c ->
            c.<Long>eval(
                script, ScriptOutputType.INTEGER, new String[] {key.leaseKey()}, token, millis),
        done -> done == 1L);
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
