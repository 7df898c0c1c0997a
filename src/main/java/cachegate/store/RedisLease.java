package cachegate.store;

import cachegate.engine.CacheKey;
import cachegate.engine.CachedResponse;
import cachegate.engine.FetchLease;
import cachegate.engine.StoreException;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Function;

/**
 * The fetch lease in Redis: {@code SET <leaseKey> <token> NX PX <time>} (or this instance's own
 * token already there), renewed and released only by its holder (Lua compare-and-expire and
 * compare-and-delete), so an instance never touches a lease that expired and was taken by another.
 *
 * <p>A try for the lease is one Lua script that also reads the key's entry ({@code GETRANGE} up to
 * the largest envelope the store reads), so the answer tells both whether the lease was taken and
 * what is stored, in one round trip, from one atomic step. The lease and the entry share a Redis
 * Cluster hash tag, so the script's two keys are in one slot.
 *
 * <p>A full Redis ({@code maxmemory} with {@code noeviction}) refuses the script's {@code SET}: the
 * try fails with {@link cachegate.engine.WriteRefusedException}, counted against the {@code lease}
 * tier and logged once by the store, not against its circuit breaker, and the engine fetches by
 * itself, so fetches are shared within each instance only until Redis has room. Renewing ({@code
 * PEXPIRE}) and releasing ({@code DEL}) are not refused. Thread-safe.
 */
public final class RedisLease implements FetchLease {
  /**
   * KEYS: the lease, the entry; ARGV: this instance's token, the lease time in milliseconds, the
   * last byte of the entry to read. Returns {@code {1 or 0, entry or ""}}. A value of another type
   * under the entry's key reads as nothing stored; the read that came before has counted it.
   */
  private static final String ACQUIRE_OR_MINE_AND_READ =
      "local stored = redis.pcall('getrange', KEYS[2], 0, ARGV[3]) "
          + "if type(stored) ~= 'string' then stored = '' end "
          + "if redis.call('set', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then return {1, stored} end "
          + "if redis.call('get', KEYS[1]) == ARGV[1] then "
          + "redis.call('pexpire', KEYS[1], ARGV[2]) return {1, stored} end "
          + "return {0, stored}";

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
  public CompletableFuture<Attempt> tryAcquire(CacheKey key, Duration time) {
    byte[] lastByte = bytes(String.valueOf(redis.maxValueBytes()));
    return redis.write(
        "lease",
        "acquire " + key.leaseKey(),
        c ->
            c.<List<Object>>eval(
                ACQUIRE_OR_MINE_AND_READ,
                ScriptOutputType.MULTI,
                new String[] {key.leaseKey(), key.redisKey()},
                token,
                millis(time),
                lastByte),
        reply -> attempt(key, reply));
  }

  private Attempt attempt(CacheKey key, List<Object> reply) {
    boolean acquired = Long.valueOf(1).equals(reply.get(0));
    return new Attempt(acquired, entry(key, (byte[]) reply.get(1)));
  }

  /**
   * The entry in a value read with the lease; nothing when it is empty, larger than an entry may be
   * or unreadable: the store's read of the key that came before the try has counted and logged
   * those.
   */
  private Optional<CachedResponse> entry(CacheKey key, byte[] value) {
    if (value.length == 0 || value.length > redis.maxValueBytes()) {
      return Optional.empty();
    }
    try {
      return Optional.of(EntryCodec.decode(key.redisKey(), value));
    } catch (StoreException unreadable) {
      return Optional.empty();
    }
  }

  @Override
  public CompletableFuture<Boolean> renew(CacheKey key, Duration time) {
    return redis.run(
        "renew " + key.leaseKey(), script(RENEW_IF_MINE, key, millis(time)), done -> done == 1L);
  }

  @Override
  public CompletableFuture<Void> release(CacheKey key) {
    return redis.run("release " + key.leaseKey(), script(RELEASE_IF_MINE, key), deleted -> null);
  }

  private Function<RedisClusterAsyncCommands<String, byte[]>, CompletionStage<Long>> script(
      String script, CacheKey key, byte[]... args) {
    byte[][] values = new byte[args.length + 1][];
    values[0] = token;
    System.arraycopy(args, 0, values, 1, args.length);
    return c ->
        c.<Long>eval(script, ScriptOutputType.INTEGER, new String[] {key.leaseKey()}, values);
  }

  private static byte[] millis(Duration time) {
    return bytes(String.valueOf(time.toMillis()));
  }

  private static byte[] bytes(String text) {
    return text.getBytes(StandardCharsets.UTF_8);
  }
}
