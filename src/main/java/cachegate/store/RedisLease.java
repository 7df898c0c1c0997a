package cachegate.store;

import cachegate.engine.CacheKey;
import cachegate.engine.CachedResponse;
import cachegate.engine.Failures;
import cachegate.engine.FetchLease;
import cachegate.engine.ResponseStore;
import cachegate.engine.StoreException;
import io.lettuce.core.RedisNoScriptException;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;
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
 * <p>A lookup ({@link #lookup}) is one Lua script that reads the key's entry and, only when there
 * is none, takes the lease: a cold key costs one round trip before its fetch, and a hit writes
 * nothing. A try for the lease is one Lua script that also reads the key's entry ({@code GETRANGE}
 * up to the largest envelope the store reads), so the answer tells both whether the lease was taken
 * and what is stored, in one round trip, from one atomic step. The lease and the entry share a
 * Redis Cluster hash tag, so the script's two keys are in one slot.
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

  /**
   * KEYS: the entry, the lease; ARGV: this instance's token, the lease time in milliseconds, the
   * last byte of the entry to read. Returns {@code {3, entry}} when a value is stored ({@code {3,
   * ""}} when it is longer than an entry may be: not sent), {@code {4, ""}} when a value of another
   * type is; else tries the lease: {@code {1, ""}} taken, {@code {2, ""}} already this instance's
   * (left as it is), {@code {0, ""}} another's. A hit writes nothing.
   */
  private static final String LOOKUP =
      "local stored = redis.pcall('getrange', KEYS[1], 0, ARGV[3]) "
          + "if type(stored) ~= 'string' then return {4, ''} end "
          + "if #stored > tonumber(ARGV[3]) then return {3, ''} end "
          + "if #stored > 0 then return {3, stored} end "
          + "if redis.call('set', KEYS[2], ARGV[1], 'NX', 'PX', ARGV[2]) then return {1, ''} end "
          + "if redis.call('get', KEYS[2]) == ARGV[1] then return {2, ''} end "
          + "return {0, ''}";

  /** The lookup is sent by its SHA-1 (EVALSHA), its text only when Redis does not know it yet. */
  private static final String LOOKUP_SHA = sha1(LOOKUP);

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

  /**
   * One script ({@link #LOOKUP}): the entry, or the lease tried when there is none. A value longer
   * than an entry may be is counted as {@code redis-entry-too-large} and fails the lookup, as a
   * value that is no entry does, as {@link RedisStore#get} would; the engine then tries the lease
   * itself. A full Redis refusing the lease fails it with {@link
   * cachegate.engine.WriteRefusedException}, not counted here: the engine's own try counts it.
   */
  @Override
  public CompletableFuture<Lookup> lookup(CacheKey key, Duration time) {
    String[] keys = {key.redisKey(), key.leaseKey()};
    byte[][] args = {token, millis(time), bytes(String.valueOf(redis.maxValueBytes()))};
    return redis.run(
        "lookup " + key,
        c ->
            c.<List<Object>>evalsha(LOOKUP_SHA, ScriptOutputType.MULTI, keys, args)
                .exceptionallyCompose(
                    failure ->
                        Failures.unwrap(failure) instanceof RedisNoScriptException
                            ? c.<List<Object>>eval(LOOKUP, ScriptOutputType.MULTI, keys, args)
                            : CompletableFuture.failedStage(failure)),
        reply -> lookedUp(key, reply));
  }

  private Lookup lookedUp(CacheKey key, List<Object> reply) {
    byte[] value = (byte[]) reply.get(1);
    return switch (((Long) reply.get(0)).intValue()) {
      case 3 -> {
        if (value.length == 0) {
          throw redis.tooLarge(key);
        }
        yield Lookup.read(Optional.of(EntryCodec.decode(key.redisKey(), value)));
      }
      case 4 -> throw new StoreException("Redis holds a value of another type under " + key);
      case 1 -> Lookup.nothingStored(Claim.TAKEN);
      case 0 -> Lookup.nothingStored(Claim.HELD_BY_PEER);
      // Another fetch in this instance holds the lease: it was left to that fetch.
      default -> Lookup.read(Optional.empty());
    };
  }

  /** The lease lives beside the entries of the Redis store it was made with. */
  @Override
  public boolean reads(ResponseStore store) {
    return store == redis;
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

  private static String sha1(String script) {
    try {
      return HexFormat.of()
          .formatHex(
              MessageDigest.getInstance("SHA-1").digest(script.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JDK provides SHA-1", e);
    }
  }

  private static byte[] bytes(String text) {
    return text.getBytes(StandardCharsets.UTF_8);
  }
}
