package cachegate.store;

import cachegate.config.RedisConfig;
import cachegate.engine.CacheKey;
import cachegate.engine.CachedResponse;
import cachegate.engine.CircuitBreaker;
import cachegate.engine.EntryCatalog;
import cachegate.engine.Failures;
import cachegate.engine.ResponseStore;
import cachegate.engine.StoreException;
import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.ScanArgs;
import io.lettuce.core.ScanCursor;
import io.lettuce.core.SetArgs;
import io.lettuce.core.SocketOptions;
import io.lettuce.core.SslOptions;
import io.lettuce.core.TimeoutOptions;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.codec.ByteArrayCodec;
import io.lettuce.core.codec.RedisCodec;
import io.lettuce.core.codec.StringCodec;
import io.lettuce.core.pubsub.RedisPubSubAdapter;
import io.lettuce.core.pubsub.StatefulRedisPubSubConnection;
import io.lettuce.core.resource.ClientResources;
import io.lettuce.core.resource.DefaultClientResources;
import io.lettuce.core.resource.Delay;
import java.io.File;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * The Redis store, on one Lettuce connection shared by all threads (Lettuce pipelines concurrent
 * commands on it). Thread-safe.
 *
 * <p>Failure behaviour: every command has the configured timeout. After {@link #BREAKER_THRESHOLD}
 * failures in a row a circuit breaker fails commands at once for {@link #BREAKER_OPEN_FOR}, then
 * lets one through to probe, so a hung Redis (SIGSTOP) costs a few timeouts, not one per request.
 * While the connection is down, commands fail at once instead of queueing (Lettuce's {@code
 * REJECT_COMMANDS}) and Lettuce reconnects in the background at least every {@link
 * #RECONNECT_INTERVAL}; if Redis was down when cachegate started, a new connection is attempted at
 * most once per {@link #RECONNECT_INTERVAL}. Failures complete futures with {@link StoreException};
 * an entry that cannot be decoded is a {@link StoreException} too but does not count against the
 * breaker.
 */
public final class RedisStore implements ResponseStore, EntryCatalog, AutoCloseable {
  /** The longest wait between reconnection attempts (Lettuce's default grows to 30 s). */
  static final Duration RECONNECT_INTERVAL = Duration.ofSeconds(1);

  /** Consecutive failed commands that open the circuit breaker. */
  static final int BREAKER_THRESHOLD = 3;

  /** How long the breaker stays open before one command probes Redis again. */
  static final Duration BREAKER_OPEN_FOR = Duration.ofSeconds(1);

  private static final int IO_THREADS = 2;
  private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(1);
  private static final RedisCodec<String, byte[]> CODEC =
      RedisCodec.of(StringCodec.UTF8, ByteArrayCodec.INSTANCE);

  private final RedisConfig config;
  private final CircuitBreaker breaker;
  private final ClientResources resources;
  private final RedisClient client;
  private final RedisURI uri;
  private final AtomicReference<CompletableFuture<StatefulRedisConnection<String, byte[]>>>
      connection = new AtomicReference<>();
  private final AtomicLong nextAttemptNanos = new AtomicLong(System.nanoTime());
  private final List<StatefulRedisPubSubConnection<String, String>> subscriptions =
      new CopyOnWriteArrayList<>();

  public RedisStore(RedisConfig config, InstantSource clock) {
    this.config = config;
    this.uri = uri(config);
    this.breaker = new CircuitBreaker(BREAKER_THRESHOLD, BREAKER_OPEN_FOR, clock);
    this.resources =
        DefaultClientResources.builder()
            .ioThreadPoolSize(IO_THREADS)
            .computationThreadPoolSize(IO_THREADS)
            .reconnectDelay(
                Delay.exponential(
                    Duration.ofMillis(10), RECONNECT_INTERVAL, 2, TimeUnit.MILLISECONDS))
            .build();
    this.client = RedisClient.create(resources);
    client.setOptions(
        ClientOptions.builder()
            .autoReconnect(true)
            .disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS)
            .timeoutOptions(TimeoutOptions.enabled(config.timeout()))
            .socketOptions(
                SocketOptions.builder().connectTimeout(CONNECT_TIMEOUT).keepAlive(true).build())
            .sslOptions(sslOptions(config))
            .build());
    connection();
  }

  @Override
  public String tier() {
    return "redis";
  }

  @Override
  public CompletableFuture<Optional<CachedResponse>> get(CacheKey key) {
    return run(
        "GET " + key,
        c -> c.async().get(key.redisKey()),
        bytes -> Optional.ofNullable(bytes).map(b -> EntryCodec.decode(key.redisKey(), b)));
  }

  @Override
  public CompletableFuture<Boolean> put(CacheKey key, CachedResponse entry, Duration retention) {
    byte[] envelope = EntryCodec.encode(key.redisKey(), entry);
    return run(
        "SET " + key,
        c -> c.async().set(key.redisKey(), envelope, SetArgs.Builder.px(retention.toMillis())),
        ok -> true);
  }

  @Override
  public CompletableFuture<Void> remove(CacheKey key) {
    return remove(key.redisKey()).thenApply(removed -> null);
  }

  @Override
  public CompletableFuture<Boolean> remove(String key) {
    return run("DEL " + key, c -> c.async().del(key), deleted -> deleted > 0);
  }

  /** Rewrites the entry with its freshness ended, keeping its remaining time in Redis. */
  @Override
  public CompletableFuture<Boolean> markStale(String key, Instant now) {
    return run("GET " + key, c -> c.async().get(key), bytes -> Optional.ofNullable(bytes))
        .thenCompose(
            bytes -> {
              if (bytes.isEmpty()) {
                return CompletableFuture.completedFuture(false);
              }
              byte[] stale =
                  EntryCodec.encode(key, EntryCodec.decode(key, bytes.get()).staleAt(now));
              return run(
                  "SET " + key,
                  c -> c.async().set(key, stale, SetArgs.Builder.xx().keepttl()),
                  ok -> "OK".equals(ok));
            });
  }

  /** Bytes read from the start of each value to list it: the envelope's head, not the body. */
  static final int HEAD_BYTES = 1024;

  @Override
  public CompletableFuture<Page> list(String prefix, String cursor, int count) {
    return run(
            "SCAN " + prefix + "*",
            c ->
                c.async()
                    .scan(
                        ScanCursor.of(cursor), ScanArgs.Builder.matches(prefix + "*").limit(count)),
            scan -> scan)
        .thenCompose(
            scan -> {
              List<CompletableFuture<Optional<EntryInfo>>> described =
                  scan.getKeys().stream().map(this::describe).toList();
              return CompletableFuture.allOf(described.toArray(CompletableFuture[]::new))
                  .thenApply(
                      done ->
                          new Page(
                              described.stream()
                                  .map(CompletableFuture::join)
                                  .flatMap(Optional::stream)
                                  .toList(),
                              scan.isFinished() ? "0" : scan.getCursor()));
            });
  }

  @Override
  public CompletableFuture<Optional<EntryInfo>> describe(String key) {
    CompletableFuture<byte[]> head =
        run("GETRANGE " + key, c -> c.async().getrange(key, 0, HEAD_BYTES - 1), b -> b);
    CompletableFuture<Long> size = run("STRLEN " + key, c -> c.async().strlen(key), n -> n);
    CompletableFuture<Long> ttl = run("PTTL " + key, c -> c.async().pttl(key), n -> n);
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
                      millis >= 0 ? Optional.of(Duration.ofMillis(millis)) : Optional.empty()));
            });
  }

  @Override
  public CompletableFuture<Long> removeAll(String prefix) {
    return removeAll(prefix, ScanCursor.INITIAL, 0);
  }

  /** SCAN and UNLINK a batch at a time (never FLUSHDB, never KEYS), until the scan is complete. */
  private CompletableFuture<Long> removeAll(String prefix, ScanCursor cursor, long removed) {
    return run(
            "SCAN " + prefix + "*",
            c -> c.async().scan(cursor, ScanArgs.Builder.matches(prefix + "*").limit(500)),
            scan -> scan)
        .thenCompose(
            scan -> {
              CompletableFuture<Long> unlinked =
                  scan.getKeys().isEmpty()
                      ? CompletableFuture.completedFuture(0L)
                      : run(
                          "UNLINK " + scan.getKeys().size() + " keys",
                          c -> c.async().unlink(scan.getKeys().toArray(String[]::new)),
                          n -> n);
              return unlinked.thenCompose(
                  n ->
                      scan.isFinished()
                          ? CompletableFuture.completedFuture(removed + n)
                          : removeAll(prefix, scan, removed + n));
            });
  }

  /** Completes with {@code true} when Redis answers a PING within the command timeout. */
  public CompletableFuture<Boolean> ping() {
    return run("PING", c -> c.async().ping(), "PONG"::equals).exceptionally(failure -> false);
  }

  /** Publishes {@code message} on {@code channel}; completes with the number of receivers. */
  CompletableFuture<Long> publish(String channel, String message) {
    return run(
        "PUBLISH " + channel,
        c -> c.async().publish(channel, message.getBytes(StandardCharsets.UTF_8)),
        receivers -> receivers);
  }

  /**
   * Calls {@code listener} with every message on {@code channel}, on a Lettuce thread. Connects in
   * the background, retrying every {@link #RECONNECT_INTERVAL} until Redis answers; once
   * subscribed, Lettuce reconnects and resubscribes by itself. Messages published while the
   * subscription is down are lost.
   */
  void subscribe(String channel, Consumer<String> listener) {
    client
        .connectPubSubAsync(StringCodec.UTF8, uri)
        .whenComplete(
            (pubSub, failure) -> {
              if (failure != null) {
                client
                    .getResources()
                    .eventExecutorGroup()
                    .schedule(
                        () -> subscribe(channel, listener),
                        RECONNECT_INTERVAL.toMillis(),
                        TimeUnit.MILLISECONDS);
                return;
              }
              subscriptions.add(pubSub);
              pubSub.addListener(
                  new RedisPubSubAdapter<>() {
                    @Override
                    public void message(String from, String message) {
                      listener.accept(message);
                    }
                  });
              pubSub.async().subscribe(channel);
            });
  }

  /** Where this store connects, password masked. */
  public String describe() {
    return config.describe();
  }

  @Override
  public void close() {
    subscriptions.forEach(StatefulRedisPubSubConnection::close);
    CompletableFuture<StatefulRedisConnection<String, byte[]>> current = connection.get();
    if (current != null) {
      current.thenAccept(StatefulRedisConnection::close);
    }
    client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
    resources.shutdown(0, 2, TimeUnit.SECONDS);
  }

  /**
   * Runs one command on the shared connection, converting its reply; every failure becomes a {@link
   * StoreException} naming the command.
   */
  <R, T> CompletableFuture<T> run(
      String command,
      Function<StatefulRedisConnection<String, byte[]>, CompletionStage<R>> call,
      Function<R, T> convert) {
    if (!breaker.tryPass()) {
      return CompletableFuture.failedFuture(
          new StoreException(
              "Redis " + config.describe() + " skipped " + command + ": circuit breaker open"));
    }
    return connection()
        .thenCompose(call)
        .handle(
            (reply, failure) -> {
              if (failure != null) {
                breaker.failed();
                Throwable cause = Failures.unwrap(failure);
                throw new StoreException(
                    "Redis " + config.describe() + " failed " + command + ": " + cause, cause);
              }
              breaker.succeeded();
              return convert.apply(reply);
            });
  }

  /** The circuit breaker's state, for {@code /health}. */
  public CircuitBreaker.State breakerState() {
    return breaker.state();
  }

  /**
   * The shared connection, connecting if there is none yet or the last attempt failed. Once
   * connected, Lettuce's own reconnection takes over.
   */
  private CompletableFuture<StatefulRedisConnection<String, byte[]>> connection() {
    CompletableFuture<StatefulRedisConnection<String, byte[]>> current = connection.get();
    if (current != null && !current.isCompletedExceptionally()) {
      return current;
    }
    long next = nextAttemptNanos.get();
    boolean due = System.nanoTime() - next >= 0;
    if (!due
        || !nextAttemptNanos.compareAndSet(
            next, System.nanoTime() + RECONNECT_INTERVAL.toNanos())) {
      // Another attempt is too recent: fail fast with the last attempt's failure.
      return current != null
          ? current
          : CompletableFuture.failedFuture(
              new StoreException("Redis " + config.describe() + " is not connected yet"));
    }
    CompletableFuture<StatefulRedisConnection<String, byte[]>> attempt =
        client.connectAsync(CODEC, uri).toCompletableFuture();
    connection.set(attempt);
    return attempt;
  }

  /** TLS trusting {@code CACHE_REDIS_TLS_CA} when given, else the JVM's certificate authorities. */
  private static SslOptions sslOptions(RedisConfig config) {
    SslOptions.Builder ssl = SslOptions.builder().jdkSslProvider();
    if (!config.tlsCaFile().isEmpty()) {
      ssl.trustManager(new File(config.tlsCaFile()));
    }
    return ssl.build();
  }

  private static RedisURI uri(RedisConfig config) {
    RedisURI.Builder builder =
        RedisURI.builder()
            .withHost(config.host())
            .withPort(config.port())
            .withDatabase(config.database())
            .withSsl(config.transport() == RedisConfig.Transport.TLS)
            .withTimeout(config.timeout());
    if (config.hasPassword()) {
      builder =
          config.username().isEmpty()
              ? builder.withPassword(config.password().toCharArray())
              : builder.withAuthentication(config.username(), config.password());
    }
    return builder.build();
  }
}
