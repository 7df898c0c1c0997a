package cachegate.soak;

import cachegate.support.FakeUniversitiesApi;
import cachegate.support.RedisServer;
import java.time.Duration;
import java.time.Instant;
import java.util.EnumMap;
import java.util.Locale;
import java.util.Map;

/**
 * Breaks cachegate's dependencies in turn, one {@link Fault} per {@link #SLOT} in the order of
 * {@link Fault#CYCLE}: after a quiet first slot (the warm-up), Redis SIGKILL and a restart on the
 * same port 5 s later; Redis SIGSTOP for 5 s, then SIGCONT; the upstream slow (3 s per answer) for
 * 5 s; the upstream failing with 503 for 5 s; the upstream sending garbage for 5 s; then the
 * hostile traffic of {@link HostileFaults}: answers too large to keep for 5 s, a burst of large
 * answers, a slowloris burst; a quiet slot; and again. Each fault lasts {@link #FAULT} (a hostile
 * one until its last answer or connection is checked), so the rest of its slot shows the recovery.
 * Every change is logged with a timestamp, and a moment after each fault ends, what Redis holds:
 * entries, and fetch leases with their time to live.
 *
 * <p>Threading: {@link #run} runs on one thread; {@link #phase} may be read from any.
 */
final class FaultInjector implements AutoCloseable {
  static final Duration SLOT = Duration.ofSeconds(15);
  static final Duration FAULT = Duration.ofSeconds(5);
  static final Duration SLOW_ANSWER = Duration.ofSeconds(3);

  /** A garbled upstream answer: status 200, JSON content type, not JSON. */
  private static final String GARBAGE = "<html><body>502 Bad Gateway (not JSON)</body></html>";

  /** How long after a fault ends Redis is looked at: time for a thawed one to run its backlog. */
  private static final Duration LOOK_AFTER = Duration.ofMillis(300);

  /** When Redis is looked at again for leases nobody released. */
  private static final Duration LOOK_AGAIN = Duration.ofSeconds(3);

  /**
   * Where the run is: the slot's fault and whether it is still on ({@code during}) or over.
   *
   * @param slot the slot's number, 0 for the warm-up
   */
  record Phase(Fault fault, boolean during, int slot) {
    String label() {
      if (slot == 0) {
        return "warm-up";
      }
      if (fault == Fault.QUIET) {
        return "quiet";
      }
      return fault.label() + (during ? " (during)" : " (10 s after)");
    }
  }

  private final FakeUniversitiesApi upstream;
  private final HostileFaults hostile;
  private final Duration normalDelay;
  private final int redisPort;
  private final RedisLook look;
  private volatile long startNanos = System.nanoTime();
  private final Map<Fault, Integer> injected = new EnumMap<>(Fault.class);
  private volatile RedisServer redis;
  private volatile boolean redisPaused;
  private volatile Phase phase = new Phase(Fault.QUIET, false, 0);

  /**
   * @param redis the server to kill, restart and freeze; closed with the injector
   * @param normalDelay the upstream's delay outside of faults
   * @param hostile sends the hostile faults' traffic; not closed with the injector
   */
  FaultInjector(
      RedisServer redis,
      FakeUniversitiesApi upstream,
      Duration normalDelay,
      HostileFaults hostile) {
    this.redis = redis;
    this.redisPort = redis.port();
    this.look = new RedisLook(redis.url());
    this.upstream = upstream;
    this.normalDelay = normalDelay;
    this.hostile = hostile;
  }

  Phase phase() {
    return phase;
  }

  int redisPort() {
    return redisPort;
  }

  /** How many times each fault was injected; read after {@link #run} returned. */
  Map<Fault, Integer> injected() {
    return Map.copyOf(injected);
  }

  /**
   * Injects one fault per slot, the first slot starting at {@code startNanos}, until the next fault
   * would not be over by {@code endNanos} (both as {@link System#nanoTime()}).
   */
  void run(long startNanos, long endNanos) throws InterruptedException {
    this.startNanos = startNanos;
    try {
      log("redis holds " + look.look());
    } catch (RuntimeException e) {
      log("could not look into redis: " + e);
    }
    for (int slot = 0; ; slot++) {
      Fault fault = Fault.CYCLE.get(slot % Fault.CYCLE.size());
      long from = startNanos + slot * SLOT.toNanos();
      long until = from + FAULT.toNanos();
      if (until - endNanos > 0) {
        return;
      }
      sleepUntil(from);
      if (fault == Fault.QUIET) {
        phase = new Phase(fault, false, slot);
        continue;
      }
      phase = new Phase(fault, true, slot);
      begin(fault, until);
      injected.merge(fault, 1, Integer::sum);
      try {
        sleepUntil(until);
      } finally {
        end(fault);
      }
      phase = new Phase(fault, false, slot);
      lookIntoRedis();
    }
  }

  /** Injects {@code fault}, due to end at {@code until} (as {@link System#nanoTime()}). */
  private void begin(Fault fault, long until) {
    switch (fault) {
      case REDIS_KILL -> {
        log("inject: redis SIGKILL (pid " + redis.pid() + ", port " + redisPort + ")");
        redis.kill();
      }
      case REDIS_STOP -> {
        log("inject: redis SIGSTOP (pid " + redis.pid() + ")");
        redisPaused = true;
        redis.pause();
      }
      case UPSTREAM_SLOW -> {
        log("inject: upstream slow, " + SLOW_ANSWER.toMillis() + " ms per answer");
        upstream.slow(SLOW_ANSWER);
      }
      case UPSTREAM_503 -> {
        log("inject: upstream answers 503");
        upstream.failWith(503);
      }
      case UPSTREAM_GARBAGE -> {
        log("inject: upstream answers 200 with a body that is not JSON");
        upstream.garble(GARBAGE);
      }
      case TOO_LARGE, LARGE_BURST, SLOWLORIS -> {
        log("inject: " + fault.description());
        hostile.begin(fault, until);
      }
      case QUIET -> {
        // nothing to inject
      }
    }
  }

  private void end(Fault fault) throws InterruptedException {
    switch (fault) {
      case REDIS_KILL -> {
        RedisServer dead = redis;
        redis = RedisServer.startOn(redisPort);
        dead.close();
        log("clear: redis restarted, empty, on port " + redisPort + " (pid " + redis.pid() + ")");
      }
      case REDIS_STOP -> {
        redis.resume();
        redisPaused = false;
        log("clear: redis SIGCONT");
      }
      case UPSTREAM_SLOW -> {
        upstream.slow(normalDelay);
        log("clear: upstream back to " + normalDelay.toMillis() + " ms per answer");
      }
      case UPSTREAM_503 -> {
        upstream.failWith(0);
        log("clear: upstream answers 200 again");
      }
      case UPSTREAM_GARBAGE -> {
        // The fake's way to stop garbling; reset() would also zero its request count.
        upstream.garble(null);
        log("clear: upstream answers JSON again");
      }
      case TOO_LARGE, LARGE_BURST, SLOWLORIS -> log("clear: " + hostile.end(fault));
      case QUIET -> {
        // nothing to clear
      }
    }
  }

  /**
   * Logs what Redis holds just after a fault, and which of its fetch leases are still held {@link
   * #LOOK_AGAIN} later with their time to live run down (released by nobody).
   */
  private void lookIntoRedis() throws InterruptedException {
    Thread.sleep(LOOK_AFTER.toMillis());
    try {
      RedisLook.Snapshot first = look.look();
      log("redis holds " + first);
      Thread.sleep(LOOK_AGAIN.toMillis());
      Map<String, Long> lingering = look.look().lingeringSince(first);
      log(
          "redis fetch leases still held "
              + LOOK_AGAIN.toSeconds()
              + " s later: "
              + lingering.size()
              + " "
              + RedisLook.describe(lingering));
    } catch (RuntimeException e) {
      log("could not look into redis: " + e);
    }
  }

  private void log(String message) {
    double elapsed = (System.nanoTime() - startNanos) / 1e9;
    System.out.printf(Locale.ROOT, "%s  +%6.1f s  %s%n", Instant.now(), elapsed, message);
  }

  private static void sleepUntil(long nanos) throws InterruptedException {
    long left = nanos - System.nanoTime();
    if (left > 0) {
      Thread.sleep(left / 1_000_000, (int) (left % 1_000_000));
    }
  }

  /** Thaws Redis if it is frozen, then stops it. */
  @Override
  public void close() {
    look.close();
    if (redisPaused) {
      redis.resume();
    }
    redis.close();
  }
}
