package cachegate.store;

import cachegate.engine.CacheKey;
import cachegate.engine.FetchLease;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.SetArgs;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;

/**
 * The fetch lease in Redis: {@code SET <leaseKey> <token> NX PX <time>}, released only by its
 * holder (a Lua compare-and-delete), so an instance never releases a lease that expired and was
 * taken by another. Thread-safe.
 */
public final class RedisLease implements FetchLease {
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
    return redis.run(
        "SET NX " + key.leaseKey(),
        c -> c.async().set(key.leaseKey(), token, SetArgs.Builder.nx().px(time.toMillis())),
        "OK"::equals);
  }

  @Override
  public CompletableFuture<Boolean> isHeld(CacheKey key) {
    return redis.run("EXISTS " + key.leaseKey(), c -> c.async().exists(key.leaseKey()), n -> n > 0);
  }

  @Override
  public CompletableFuture<Void> release(CacheKey key) {
    return redis.run(
        "release " + key.leaseKey(),
        c ->
            c.async()
                .<Long>eval(
                    RELEASE_IF_MINE,
                    ScriptOutputType.INTEGER,
                    new String[] {key.leaseKey()},
                    token),
        deleted -> null);
  }
}
