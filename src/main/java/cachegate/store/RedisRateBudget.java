package cachegate.store;

import cachegate.engine.CacheKey;
import cachegate.engine.LocalRateBudget;
import cachegate.engine.RateBudget;
import cachegate.engine.RateLimit;
import io.lettuce.core.ScriptOutputType;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.InstantSource;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One route's {@link RateBudget} in Redis, shared by every instance on that Redis: a sliding-window
 * log of calls (a sorted set scored by Redis's own {@code TIME}, so no instance's clock matters)
 * taken in one script, so that no two instances can both take the last call. Its keys share the
 * route's hash tag ({@code <prefix>:v2:rate:{<route>}:…}), so the script runs in one Redis Cluster
 * slot; the window key expires after one period without calls.
 *
 * <p>Each take also registers this instance in the route's sorted set of instances (those seen
 * within the longer of the period and a minute) and learns how many there are. While Redis cannot
 * be reached (failing, or its breaker open), takes fall back to a {@link LocalRateBudget} allowing
 * this instance {@code limit / instances} calls a period, instances being the count it last saw (1
 * before any): together the instances spend no more than the limit. Pauses and caps are kept
 * locally as well, so the fallback honours them. Thread-safe; never fails a future.
 */
public final class RedisRateBudget implements RateBudget {
  private static final Logger LOG = System.getLogger(RedisRateBudget.class.getName());

  /**
   * KEYS: the window, the pause, the cap, the instances, the upstream's policy; ARGV: limit, period
   * (ms), reserve, this call's member, this instance. Returns {allowed 1/0, retry-after ms,
   * remaining, instances, paused 1/0}.
   */
  static final String TAKE =
      "local t = redis.call('TIME') "
          + "local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000) "
          + "local limit = tonumber(ARGV[1]) local period = tonumber(ARGV[2]) "
          + "local reserve = tonumber(ARGV[3]) local seen = math.max(period, 60000) "
          + "redis.call('ZADD', KEYS[4], now, ARGV[5]) "
          + "redis.call('ZREMRANGEBYSCORE', KEYS[4], '-inf', now - seen) "
          + "redis.call('PEXPIRE', KEYS[4], seen) "
          + "local instances = redis.call('ZCARD', KEYS[4]) "
          + "local paused = redis.call('PTTL', KEYS[2]) "
          + "if paused > 0 then return {0, paused, 0, instances, 1} end "
          + "local kept = period local plimit = nil local pperiod = nil "
          + "local policy = redis.call('GET', KEYS[5]) "
          + "if policy then local sp = string.find(policy, ' ') "
          + "plimit = tonumber(string.sub(policy, 1, sp - 1)) "
          + "pperiod = tonumber(string.sub(policy, sp + 1)) kept = math.max(period, pperiod) end "
          + "redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - kept) "
          + "local used = redis.call('ZCOUNT', KEYS[1], '(' .. (now - period), '+inf') "
          + "local left = limit - used "
          + "if plimit then local pused = redis.call('ZCOUNT', KEYS[1], '(' .. (now - pperiod), '+inf') "
          + "if plimit - pused < left then left = plimit - pused used = pused period = pperiod end end "
          + "local stored = redis.call('GET', KEYS[3]) local cap = nil "
          + "if stored then cap = tonumber(stored) end "
          + "if cap and cap <= reserve then "
          + "return {0, math.max(1, redis.call('PTTL', KEYS[3])), cap, instances, 0} end "
          + "if left > reserve then "
          + "redis.call('ZADD', KEYS[1], now, ARGV[4]) redis.call('PEXPIRE', KEYS[1], kept) "
          + "if cap then redis.call('DECR', KEYS[3]) left = math.min(left, cap) end "
          + "return {1, 0, left - 1, instances, 0} end "
          + "local mustLeave = math.max(1, math.min(used, reserve - left + 1)) "
          + "local leaving = redis.call('ZRANGEBYSCORE', KEYS[1], '(' .. (now - period), '+inf', "
          + "'WITHSCORES', 'LIMIT', mustLeave - 1, 1) "
          + "local wait = 1 "
          + "if leaving[2] then wait = math.max(1, tonumber(leaving[2]) + period - now) end "
          + "return {0, wait, math.max(0, left), instances, 0}";

  /** KEYS: the policy; ARGV: its calls, its period (ms), how long it is kept (ms). */
  static final String LEARN_POLICY =
      "redis.call('SET', KEYS[1], ARGV[1] .. ' ' .. ARGV[2], 'PX', ARGV[3]) return 1";

  /** KEYS: the pause; ARGV: its length (ms). A longer pause in force is kept. */
  static final String PAUSE =
      "if redis.call('PTTL', KEYS[1]) < tonumber(ARGV[1]) then "
          + "redis.call('SET', KEYS[1], '1', 'PX', ARGV[1]) return 1 end return 0";

  /**
   * KEYS: the cap; ARGV: remaining, until reset (ms), limit. A lower cap in force is kept: answers
   * to earlier calls may arrive after answers to later ones.
   */
  static final String LEARN =
      "local r = tonumber(ARGV[1]) if r >= tonumber(ARGV[3]) then return 0 end "
          + "local c = redis.call('GET', KEYS[1]) "
          + "if c and tonumber(c) <= r then return 0 end "
          + "redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2]) return 1";

  private final RedisStore redis;
  private final RateLimit limit;
  private final InstantSource clock;
  private final LocalRateBudget local;
  private final String[] keys;
  private final String instance = UUID.randomUUID().toString();
  private final AtomicLong calls = new AtomicLong();
  private final AtomicLong instances = new AtomicLong(1);
  private final AtomicLong remaining = new AtomicLong(-1);
  private final AtomicLong pausedUntil = new AtomicLong();
  private final AtomicBoolean fallingBack = new AtomicBoolean();

  /**
   * @param namespace the deployment's key prefix ({@code CACHE_KEY_PREFIX})
   * @param route the route whose upstream calls this counts
   */
  public RedisRateBudget(
      RedisStore redis, String namespace, String route, RateLimit limit, InstantSource clock) {
    this.redis = redis;
    this.limit = limit;
    this.clock = clock;
    this.local = new LocalRateBudget(limit, clock);
    String prefix = CacheKey.prefix(namespace) + "rate:{" + route + "}:";
    this.keys =
        new String[] {
          prefix + "calls",
          prefix + "pause",
          prefix + "cap",
          prefix + "instances",
          prefix + "policy"
        };
  }

  @Override
  public CompletableFuture<Grant> take(Priority priority) {
    int reserve = priority == Priority.BACKGROUND ? limit.reserve() : 0;
    String member = instance + ":" + calls.incrementAndGet();
    return redis
        .write(
            "rate",
            "take " + keys[0],
            c ->
                c.<List<Object>>eval(
                    TAKE,
                    ScriptOutputType.MULTI,
                    keys,
                    bytes(limit.calls()),
                    bytes(limit.period().toMillis()),
                    bytes(reserve),
                    member.getBytes(StandardCharsets.UTF_8),
                    instance.getBytes(StandardCharsets.UTF_8)),
            this::grant)
        .exceptionally(failure -> fallBack(priority, failure));
  }

  private Grant grant(List<Object> reply) {
    if (fallingBack.compareAndSet(true, false)) {
      LOG.log(Level.INFO, "rate budget " + keys[0] + " is shared through Redis again");
    }
    boolean allowed = ((Long) reply.get(0)) == 1L;
    long wait = (Long) reply.get(1);
    long left = (Long) reply.get(2);
    instances.set(Math.max(1, (Long) reply.get(3)));
    remaining.set(left);
    if (((Long) reply.get(4)) == 1L) {
      pausedUntil.set(clock.millis() + wait);
      return Grant.refused(Duration.ofMillis(wait), 0, "paused");
    }
    return allowed
        ? Grant.allowed(left)
        : Grant.refused(Duration.ofMillis(Math.max(1, wait)), left, "rate-budget");
  }

  private Grant fallBack(Priority priority, Throwable failure) {
    int share = (int) instances.get();
    if (fallingBack.compareAndSet(false, true)) {
      LOG.log(
          Level.WARNING,
          "rate budget "
              + keys[0]
              + " cannot be shared through Redis ("
              + failure.getMessage()
              + "): this instance spends 1/"
              + share
              + " of "
              + limit
              + " until it can");
    }
    Grant grant = local.take(priority, share);
    remaining.set(grant.remaining());
    return grant;
  }

  @Override
  public CompletableFuture<Void> pause(Duration duration) {
    local.pause(duration);
    pausedUntil.accumulateAndGet(clock.millis() + duration.toMillis(), Math::max);
    long millis = Math.max(1, duration.toMillis());
    return redis
        .write(
            "rate",
            "pause " + keys[1],
            c ->
                c.<Long>eval(
                    PAUSE, ScriptOutputType.INTEGER, new String[] {keys[1]}, bytes(millis)),
            done -> (Void) null)
        .exceptionally(failure -> null);
  }

  @Override
  public CompletableFuture<Void> learn(long left, Duration resetIn) {
    local.learn(left, resetIn);
    long millis = Math.max(1, resetIn.toMillis());
    return redis
        .write(
            "rate",
            "learn " + keys[2],
            c ->
                c.<Long>eval(
                    LEARN,
                    ScriptOutputType.INTEGER,
                    new String[] {keys[2]},
                    bytes(Math.max(0, left)),
                    bytes(millis),
                    bytes(limit.calls())),
            done -> (Void) null)
        .exceptionally(failure -> null);
  }

  @Override
  public CompletableFuture<Void> learnPolicy(RateLimit upstreamLimit) {
    local.learnPolicy(upstreamLimit);
    return redis
        .write(
            "rate",
            "learn " + keys[4],
            c ->
                c.<Long>eval(
                    LEARN_POLICY,
                    ScriptOutputType.INTEGER,
                    new String[] {keys[4]},
                    bytes(upstreamLimit.calls()),
                    bytes(upstreamLimit.period().toMillis()),
                    bytes(POLICY_KEPT.toMillis())),
            done -> (Void) null)
        .exceptionally(failure -> null);
  }

  @Override
  public Status status() {
    return new Status(
        limit, remaining.get(), Duration.ofMillis(Math.max(0, pausedUntil.get() - clock.millis())));
  }

  @Override
  public RateLimit limit() {
    return limit;
  }

  /** The instances last seen sharing this budget (1 before any take answered). */
  int instances() {
    return (int) instances.get();
  }

  private static byte[] bytes(long value) {
    return String.valueOf(value).getBytes(StandardCharsets.UTF_8);
  }
}
