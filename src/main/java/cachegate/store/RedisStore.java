package cachegate.store;

import cachegate.config.RedisConfig;
import cachegate.engine.CacheKey;
import cachegate.engine.CacheMetrics;
import cachegate.engine.CachedResponse;
import cachegate.engine.CircuitBreaker;
import cachegate.engine.EntryCatalog;
import cachegate.engine.Failures;
import cachegate.engine.OutageLog;
import cachegate.engine.ResponseStore;
import cachegate.engine.StoreException;
import cachegate.engine.WriteRefusedException;
import io.lettuce.core.RedisCommandExecutionException;
import io.lettuce.core.SetArgs;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;
import io.lettuce.core.resource.ClientResources;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * The Redis store, on Lettuce connections that pipeline concurrent commands (longer than most
 * classes: every command cachegate sends, each with its bound and the breaker around it; how the
 * connections are made is {@link RedisConnector}'s): one per event loop when built with the
 * caller's event loops (each connection's I/O on its loop, so a command and its reply stay on the
 * caller's thread), else one shared connection on Lettuce's own threads. It reaches one server, a
 * Redis Cluster or the master that Redis Sentinel names ({@link RedisConfig#topology()}); see
 * {@link ClusterConnector} and {@link ServerConnector} for how each follows a failover.
 * Thread-safe.
 *
 * <p>Failure behaviour: every command has the configured timeout. After {@link #BREAKER_THRESHOLD}
 * failures in a row a circuit breaker fails commands at once for {@link #BREAKER_OPEN_FOR}, then
 * lets one through to probe, so a hung Redis (SIGSTOP) costs a few timeouts, not one per request.
 * There is one breaker for the whole topology: a dead cluster master can open it for every key
 * until the cluster and cachegate have moved to its replica. While a connection is down, commands
 * fail at once instead of queueing (Lettuce's {@code REJECT_COMMANDS}) and Lettuce reconnects in
 * the background at least every {@link RedisConnector#RECONNECT_INTERVAL}; if Redis was down when
 * cachegate started, a new connection is attempted at most once per {@link
 * RedisConnector#RECONNECT_INTERVAL}. Failures complete futures with {@link StoreException}; an
 * entry that cannot be decoded is a {@link StoreException} too but does not count against the
 * breaker.
 *
 * <p>An error reply ({@code OOM}, {@code READONLY}, {@code WRONGTYPE}, ...) fails its command but
 * does not count against the breaker either: Redis answered, so it is reachable, and other commands
 * (reads above all) go on. A write refused because Redis is full ({@code OOM command not allowed},
 * at {@code maxmemory} with {@code noeviction}) fails with {@link WriteRefusedException}, already
 * counted and logged by {@link WriteRefusals}.
 */
public final class RedisStore implements ResponseStore, EntryCatalog, AutoCloseable {
  /** Consecutive failed commands that open the circuit breaker. */
  static final int BREAKER_THRESHOLD = 3;

  /** How long the breaker stays open before one command probes Redis again. */
  static final Duration BREAKER_OPEN_FOR = Duration.ofSeconds(1);

  /** A value of any length is read. */
  static final long NO_LIMIT = Long.MAX_VALUE;

  /**
   * What an envelope adds to its body, at most: the key, type and tag in its head, and what gzip
   * adds to a body it cannot shrink.
   */
  static final long ENVELOPE_HEADROOM = 64 * 1024;

  private final RedisConfig config;
  private final CacheMetrics metrics;
  private final long maxValueBytes;
  private final CircuitBreaker breaker;
  private final WriteRefusals refusals;
  private final List<EventLoop> loops;
  private final List<RedisConnector<?>> connectors;

  /** A store with one connection, on Lettuce's own threads. */
  public RedisStore(RedisConfig config, InstantSource clock) {
    this.config = config;
    this.metrics = CacheMetrics.none();
    this.maxValueBytes = NO_LIMIT;
    this.breaker = new CircuitBreaker(BREAKER_THRESHOLD, BREAKER_OPEN_FOR, clock);
    this.refusals = new WriteRefusals(config.describe(), clock, CacheMetrics.none());
    this.loops = List.of();
    this.connectors = List.of(RedisConnector.of(config, RedisConnector.ownThreads()));
    connectors.forEach(RedisConnector::connectInBackground);
  }

  /**
   * A store with one connection per event loop of {@code eventLoops}, whose I/O runs on that loop:
   * a command sent from the loop is answered on it, so a request's Redis commands never wait for
   * another thread to wake up. Callers on other threads use the first loop's connection, and so
   * does everything with a Redis Cluster, which gets one connection. The loops stay their owner's:
   * closing the store does not shut them down.
   */
  public RedisStore(RedisConfig config, InstantSource clock, EventLoopGroup eventLoops) {
    this(config, clock, eventLoops, CacheMetrics.none(), NO_LIMIT - ENVELOPE_HEADROOM);
  }

  /**
   * As above, counting writes refused because Redis is full and entries too large to read in {@code
   * metrics}: a value under one of cachegate's keys larger than an entry of {@code maxEntryBytes}
   * can be (written by an instance configured to keep larger answers, or by something else) is not
   * read past that size, and is a miss.
   */
  public RedisStore(
      RedisConfig config,
      InstantSource clock,
      EventLoopGroup eventLoops,
      CacheMetrics metrics,
      long maxEntryBytes) {
    this.config = config;
    this.metrics = CacheMetrics.guarded(metrics);
    this.maxValueBytes = maxEntryBytes + ENVELOPE_HEADROOM;
    this.breaker = new CircuitBreaker(BREAKER_THRESHOLD, BREAKER_OPEN_FOR, clock);
    this.refusals = new WriteRefusals(config.describe(), clock, metrics);
    List<EventLoop> all = new ArrayList<>();
    eventLoops.forEach(loop -> all.add((EventLoop) loop));
    // A cluster connection keeps its own view of which master serves which slot and refreshes it
    // after a failover; one per loop would refresh apart and disagree for a while (seen: a key
    // fetched twice from the upstream right after its master was killed). A cluster gets one.
    this.loops =
        config.topology() == RedisConfig.Topology.CLUSTER ? List.of(all.get(0)) : List.copyOf(all);
    ClientResources first = RedisConnector.on(loops.get(0), new LoopTimer(loops));
    this.connectors =
        loops.stream()
            .<RedisConnector<?>>map(
                loop ->
                    RedisConnector.of(
                        config, loop == loops.get(0) ? first : RedisConnector.sharing(first, loop)))
            .toList();
    connectors.forEach(RedisConnector::connectInBackground);
  }

  /** The connection of the event loop this runs on, else the first. */
  private RedisConnector<?> connector() {
    return connectors.get(LoopTimer.current(loops));
  }

  @Override
  public String tier() {
    return "redis";
  }

  @Override
  public CompletableFuture<Optional<CachedResponse>> get(CacheKey key) {
    if (maxValueBytes == NO_LIMIT) {
      return run(
          "GET " + key,
          c -> c.get(key.redisKey()),
          bytes -> Optional.ofNullable(bytes).map(b -> EntryCodec.decode(key.redisKey(), b)));
    }
    // GETRANGE reads at most one byte more than allowed, which tells a value that is too large.
    return run(
        "GET " + key,
        c -> c.getrange(key.redisKey(), 0, maxValueBytes),
        bytes -> {
          if (bytes == null || bytes.length == 0) {
            return Optional.empty();
          }
          if (bytes.length > maxValueBytes) {
            throw tooLarge(key);
          }
          return Optional.of(EntryCodec.decode(key.redisKey(), bytes));
        });
  }

  /** Counts a value under {@code key} too large to read, and says so. */
  StoreException tooLarge(CacheKey key) {
    metrics.limitReached("redis-entry-too-large", key.route());
    return new StoreException(
        "Redis holds more than " + maxValueBytes + " bytes under " + key + ": not read");
  }

  @Override
  public CompletableFuture<Boolean> put(CacheKey key, CachedResponse entry, Duration retention) {
    byte[] envelope = EntryCodec.encode(key.redisKey(), entry);
    return write(
        tier(),
        "SET " + key,
        c -> c.set(key.redisKey(), envelope, SetArgs.Builder.px(retention.toMillis())),
        ok -> true);
  }

  @Override
  public CompletableFuture<Purge> remove(String key) {
    return run("DEL " + key, c -> c.del(key), Purge::of);
  }

  /** Rewrites the entry with its freshness ended, keeping its remaining time in Redis. */
  @Override
  public CompletableFuture<Purge> markStale(String key, Instant now) {
    return run("GET " + key, c -> c.get(key), bytes -> Optional.ofNullable(bytes))
        .thenCompose(
            bytes -> {
              if (bytes.isEmpty()) {
                return CompletableFuture.completedFuture(Purge.of(0));
              }
              byte[] stale =
                  EntryCodec.encode(key, EntryCodec.decode(key, bytes.get()).staleAt(now));
              return write(
                  tier(),
                  "SET " + key,
                  c -> c.set(key, stale, SetArgs.Builder.xx().keepttl()),
                  ok -> Purge.of("OK".equals(ok) ? 1 : 0));
            });
  }

  /** Bytes read from the start of each value to list it: the envelope's head, not the body. */
  static final int HEAD_BYTES = 1024;

  @Override
  public CompletableFuture<Page> list(String prefix, String cursor, int count) {
    return guarded(
            "SCAN " + prefix + "*",
            () -> connector().scan(cursor, prefix + "*", count),
            scan -> scan)
        .thenCompose(
            scan -> {
              List<CompletableFuture<Optional<EntryInfo>>> described =
                  scan.keys().stream().map(this::describe).toList();
              return CompletableFuture.allOf(described.toArray(CompletableFuture[]::new))
                  .thenApply(
                      done ->
                          new Page(
                              described.stream()
                                  .map(CompletableFuture::join)
                                  .flatMap(Optional::stream)
                                  .toList(),
                              scan.cursor()));
            });
  }

  @Override
  public CompletableFuture<Optional<EntryInfo>> describe(String key) {
    CompletableFuture<byte[]> head =
        run("GETRANGE " + key, c -> c.getrange(key, 0, HEAD_BYTES - 1), b -> b);
    CompletableFuture<Long> size = run("STRLEN " + key, c -> c.strlen(key), n -> n);
    CompletableFuture<Long> ttl = run("PTTL " + key, c -> c.pttl(key), n -> n);
    return CompletableFuture.allOf(head, size, ttl)
        .thenApply(
            done -> {
              if (size.join() == 0) {
                return Optional.<EntryInfo>empty();
              }
              EntryCodec.Head parsed = EntryCodec.head(key, head.join());
              long millis = ttl.join();
              return Optional.of(
                  new EntryInfo(
                      key,
                      size.join(),
                      parsed.storedAt(),
                      parsed.ttl(),
                      parsed.status(),
                      millis >= 0 ? Optional.of(Duration.ofMillis(millis)) : Optional.empty()));
            });
  }

  @Override
  public CompletableFuture<Purge> removeAll(String prefix) {
    return removeAll(prefix, "0", 0).thenApply(Purge::of);
  }

  /**
   * SCAN and UNLINK a batch at a time (never FLUSHDB, never KEYS), on every master of a cluster,
   * until the scan is complete. A cluster splits the UNLINK by slot.
   */
  private CompletableFuture<Long> removeAll(String prefix, String cursor, long removed) {
    return guarded(
            "SCAN " + prefix + "*", () -> connector().scan(cursor, prefix + "*", 500), scan -> scan)
        .thenCompose(
            scan -> {
              CompletableFuture<Long> unlinked =
                  scan.keys().isEmpty()
                      ? CompletableFuture.completedFuture(0L)
                      : run(
                          "UNLINK " + scan.keys().size() + " keys",
                          c -> c.unlink(scan.keys().toArray(String[]::new)),
                          n -> n);
              return unlinked.thenCompose(
                  n ->
                      scan.isFinished()
                          ? CompletableFuture.completedFuture(removed + n)
                          : removeAll(prefix, scan.cursor(), removed + n));
            });
  }

  /**
   * The most bytes a value read as an entry may have; reads ask for one byte more ({@code GETRANGE
   * 0 <this>}), which tells a larger value, no entry cachegate may keep (see the constructor).
   */
  long maxValueBytes() {
    return maxValueBytes;
  }

  /**
   * Asks Redis once, as cachegate starts, whether it answers: a PING, sent once the connection
   * attempt in progress has ended. When it does not answer, tells {@code outage}, with the address
   * written plainly, that it is unreachable and that answers come {@code servedInstead} until it
   * recovers. Never fails; completes when the answer (or its absence) is known.
   */
  public CompletableFuture<Void> checkAtStart(OutageLog outage, String servedInstead) {
    return run("PING", c -> c.ping(), reply -> reply)
        .handle(
            (reply, failure) -> {
              if (failure != null) {
                Throwable cause = Failures.unwrap(failure);
                outage.failed(
                    "unreachable at start ("
                        + Failures.describe(cause.getCause() != null ? cause.getCause() : cause)
                        + ")",
                    servedInstead);
              }
              return null;
            });
  }

  /** Completes with {@code true} when Redis answers a PING within the command timeout. */
  public CompletableFuture<Boolean> ping() {
    return run("PING", c -> c.ping(), "PONG"::equals).exceptionally(failure -> false);
  }

  /** Publishes {@code message} on {@code channel}; completes with the number of receivers. */
  CompletableFuture<Long> publish(String channel, String message) {
    return run(
        "PUBLISH " + channel,
        c -> c.publish(channel, message.getBytes(StandardCharsets.UTF_8)),
        receivers -> receivers);
  }

  /**
   * Calls {@code listener} with every message on {@code channel}, on the connection's I/O thread;
   * see {@link RedisConnector#subscribe}. Messages published while the subscription is down are
   * lost.
   */
  void subscribe(String channel, Consumer<String> listener) {
    connectors.get(0).subscribe(channel, listener);
  }

  /** Where this store connects, password masked. */
  public String describe() {
    return config.describe();
  }

  @Override
  public void close() {
    // The first connector's resources are shared by the others: closed last.
    for (int i = connectors.size() - 1; i >= 0; i--) {
      connectors.get(i).close();
    }
  }

  /**
   * Runs one command on the shared connection, converting its reply; every failure becomes a {@link
   * StoreException} naming the command.
   */
  <R, T> CompletableFuture<T> run(
      String command,
      Function<RedisClusterAsyncCommands<String, byte[]>, CompletionStage<R>> call,
      Function<R, T> convert) {
    if (!loops.isEmpty() && !loops.get(LoopTimer.current(loops)).inEventLoop()) {
      // From another thread the command would wait in the loop's queue while its timeout runs:
      // hand it to the loop, which writes it at once, so that the timeout counts from the write.
      CompletableFuture<T> result = new CompletableFuture<>();
      loops
          .get(0)
          .execute(
              () ->
                  run(command, call, convert)
                      .whenComplete(
                          (reply, failure) -> {
                            if (failure == null) {
                              result.complete(reply);
                            } else {
                              result.completeExceptionally(failure);
                            }
                          }));
      return result;
    }
    return guarded(command, () -> connector().commands().thenCompose(call), convert);
  }

  /**
   * Runs a command that Redis refuses when it is full ({@code SET}, a script that sets): a refusal
   * fails it with {@link WriteRefusedException} and is counted against {@code tier} and logged once
   * per episode by {@link WriteRefusals}; an accepted write may end the episode.
   */
  <R, T> CompletableFuture<T> write(
      String tier,
      String command,
      Function<RedisClusterAsyncCommands<String, byte[]>, CompletionStage<R>> call,
      Function<R, T> convert) {
    return run(command, call, convert)
        .whenComplete(
            (done, failure) -> {
              if (failure == null) {
                refusals.accepted();
              } else if (Failures.unwrap(failure) instanceof WriteRefusedException refused) {
                refusals.refused(tier, refused.getCause().getMessage());
              }
            });
  }

  /**
   * Runs {@code call} unless the breaker is open, and tells the breaker how it went: an error reply
   * is an answer, only a command Redis did not answer (timeout, connection) counts as failed.
   */
  private <R, T> CompletableFuture<T> guarded(
      String command, Supplier<CompletionStage<R>> call, Function<R, T> convert) {
    if (!breaker.tryPass()) {
      return CompletableFuture.failedFuture(
          new StoreException(
              "Redis " + config.describe() + " skipped " + command + ": circuit breaker open"));
    }
    return call.get()
        .toCompletableFuture()
        .handle(
            (reply, failure) -> {
              if (failure == null) {
                breaker.succeeded();
                return convert.apply(reply);
              }
              Throwable cause = Failures.unwrap(failure);
              if (!(cause instanceof RedisCommandExecutionException answer)) {
                breaker.failed();
                throw new StoreException(
                    "Redis "
                        + config.describe()
                        + " failed "
                        + command
                        + ": "
                        + Failures.describe(cause),
                    cause);
              }
              breaker.succeeded();
              if (isFull(answer)) {
                throw new WriteRefusedException(
                    "Redis "
                        + config.describe()
                        + " refused "
                        + command
                        + ": it is full (maxmemory): "
                        + answer.getMessage(),
                    answer);
              }
              throw new StoreException(
                  "Redis "
                      + config.describe()
                      + " answered "
                      + command
                      + " with an error: "
                      + answer.getMessage(),
                  answer);
            });
  }

  /**
   * Whether Redis refused a command for lack of memory: {@code OOM command not allowed when used
   * memory > 'maxmemory'}, as the reply itself or as the error of a script's {@code redis.call}.
   */
  private static boolean isFull(RedisCommandExecutionException answer) {
    String message = String.valueOf(answer.getMessage());
    return message.startsWith("OOM ") || message.contains("OOM command not allowed");
  }

  /** The circuit breaker's state, for {@code /health}. */
  public CircuitBreaker.State breakerState() {
    return breaker.state();
  }
}
