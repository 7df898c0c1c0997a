package cachegate.store;

import cachegate.config.RedisConfig;
import cachegate.engine.StoreException;
import io.lettuce.core.AbstractRedisClient;
import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisURI;
import io.lettuce.core.ScanArgs;
import io.lettuce.core.SocketOptions;
import io.lettuce.core.SslOptions;
import io.lettuce.core.TimeoutOptions;
import io.lettuce.core.api.StatefulConnection;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;
import io.lettuce.core.codec.ByteArrayCodec;
import io.lettuce.core.codec.RedisCodec;
import io.lettuce.core.codec.StringCodec;
import io.lettuce.core.pubsub.RedisPubSubAdapter;
import io.lettuce.core.pubsub.StatefulRedisPubSubConnection;
import io.lettuce.core.resource.ClientResources;
import io.lettuce.core.resource.DefaultClientResources;
import io.lettuce.core.resource.Delay;
import io.lettuce.core.resource.EventLoopGroupProvider;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.util.Timer;
import io.netty.util.concurrent.EventExecutorGroup;
import io.netty.util.concurrent.Future;
import java.io.File;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * How {@link RedisStore} reaches Redis, one subclass per way of finding the servers: {@link
 * ServerConnector} for one server or the master that Sentinel names, {@link ClusterConnector} for a
 * Redis Cluster. The store sees the same commands either way. Thread-safe.
 *
 * <p>The connection is made lazily and shared: if Redis is down when cachegate starts, a new
 * attempt is made at most once per {@link #RECONNECT_INTERVAL}, failing fast in between; once
 * connected, Lettuce reconnects by itself (at least every {@link #RECONNECT_INTERVAL}), and
 * commands fail at once while it is disconnected ({@code REJECT_COMMANDS}) instead of queueing.
 *
 * <p>Longer than most classes: the connection's life (lazy start, reconnection, the event loops,
 * TLS and credentials) is shared by both topologies and kept here once.
 *
 * @param <C> the Lettuce connection type
 */
abstract class RedisConnector<C extends StatefulConnection<String, byte[]>>
    implements AutoCloseable {
  /** The longest wait between reconnection attempts (Lettuce's default grows to 30 s). */
  static final Duration RECONNECT_INTERVAL = Duration.ofSeconds(1);

  static final RedisCodec<String, byte[]> CODEC =
      RedisCodec.of(StringCodec.UTF8, ByteArrayCodec.INSTANCE);
  static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(1);
  private static final int IO_THREADS = 2;

  /**
   * One page of a key scan.
   *
   * @param keys the keys found, possibly none even when the scan goes on
   * @param cursor pass it back for the next page; {@code "0"} when the scan is complete
   */
  record ScanPage(List<String> keys, String cursor) {
    ScanPage {
      keys = List.copyOf(keys);
    }

    boolean isFinished() {
      return "0".equals(cursor);
    }
  }

  final RedisConfig config;
  final ClientResources resources;
  private final AtomicReference<CompletableFuture<C>> connection = new AtomicReference<>();
  private final AtomicLong nextAttemptNanos = new AtomicLong(System.nanoTime());
  private volatile boolean closed;
  private final List<StatefulRedisPubSubConnection<String, String>> subscriptions =
      new CopyOnWriteArrayList<>();

  /**
   * @param resources Lettuce's threads and timers; shut down by {@link #close()}
   */
  RedisConnector(RedisConfig config, ClientResources resources) {
    this.config = config;
    this.resources = resources;
  }

  /** A connector for {@code config}'s topology. */
  static RedisConnector<?> of(RedisConfig config, ClientResources resources) {
    return switch (config.topology()) {
      case STANDALONE, SENTINEL -> new ServerConnector(config, resources);
      case CLUSTER -> new ClusterConnector(config, resources);
    };
  }

  /** Resources with Lettuce's own I/O and computation threads. */
  static ClientResources ownThreads() {
    return DefaultClientResources.builder()
        .ioThreadPoolSize(IO_THREADS)
        .computationThreadPoolSize(IO_THREADS)
        .reconnectDelay(RECONNECT_DELAY)
        .build();
  }

  /**
   * Resources whose connections do their I/O, complete their commands and schedule their
   * reconnections on {@code loop}, a thread that belongs to the caller and is not shut down with
   * them; timeouts run on {@code timer}, also the caller's.
   */
  static ClientResources on(EventLoop loop, Timer timer) {
    return DefaultClientResources.builder()
        .eventLoopGroupProvider(new OneLoop(loop))
        .eventExecutorGroup(loop)
        .timer(timer)
        .reconnectDelay(RECONNECT_DELAY)
        .build();
  }

  /**
   * Like {@code base}, whose timers, event bus and resolvers it shares (they are shut down with
   * {@code base}, not with these), with I/O on {@code loop}: cheaper to make than {@link #on}.
   */
  static ClientResources sharing(ClientResources base, EventLoop loop) {
    return base.mutate().eventLoopGroupProvider(new OneLoop(loop)).eventExecutorGroup(loop).build();
  }

  private static final Supplier<Delay> RECONNECT_DELAY =
      () -> Delay.exponential(Duration.ofMillis(10), RECONNECT_INTERVAL, 2, TimeUnit.MILLISECONDS);

  /** Hands Lettuce one event loop that it neither creates nor shuts down. */
  private record OneLoop(EventLoop loop) implements EventLoopGroupProvider {
    @Override
    @SuppressWarnings("unchecked") // Lettuce asks for its transport's group type; a loop is one.
    public <T extends EventLoopGroup> T allocate(Class<T> type) {
      return (T) loop;
    }

    @Override
    public int threadPoolSize() {
      return 1;
    }

    @Override
    public Future<Boolean> release(
        EventExecutorGroup group, long quietPeriod, long timeout, TimeUnit unit) {
      return loop.newSucceededFuture(true);
    }

    @Override
    public Future<Boolean> shutdown(long quietPeriod, long timeout, TimeUnit unit) {
      return loop.newSucceededFuture(true);
    }
  }

  /** Commands on the shared connection; a cluster routes each to the master of its key's slot. */
  abstract CompletableFuture<RedisClusterAsyncCommands<String, byte[]>> commands();

  /**
   * One page of {@code SCAN MATCH <pattern> COUNT <count>}, over every master of a cluster in turn.
   * {@code "0"} starts a scan.
   */
  abstract CompletableFuture<ScanPage> scan(String cursor, String pattern, int count);

  abstract AbstractRedisClient client();

  /** Starts connecting; called at most once per {@link #RECONNECT_INTERVAL}. */
  abstract CompletableFuture<C> connect();

  /** A new pub/sub connection, which resubscribes by itself after reconnecting. */
  abstract CompletableFuture<? extends StatefulRedisPubSubConnection<String, String>>
      connectPubSub();

  /**
   * Connects on another thread (the client's first connection loads and sets up a good deal), so
   * that the caller goes on, and tries again every {@link #RECONNECT_INTERVAL} until connected, so
   * that the connection is up before requests need it (an attempt made by a request under load can
   * miss its handshake timeout). Commands issued meanwhile wait for the attempt in progress.
   */
  final void connectInBackground() {
    CompletableFuture<C> current = connection.get();
    if (closed || (current != null && !current.isCompletedExceptionally())) {
      return;
    }
    nextAttemptNanos.set(System.nanoTime() + RECONNECT_INTERVAL.toNanos());
    attempt(current, true);
  }

  /**
   * Puts a new connection attempt in place of {@code current}, unless another thread replaced it
   * first (then that one is returned), so that no connection is ever made twice and left open. In
   * the background, the attempt starts on another thread and a failure schedules the next one.
   */
  private CompletableFuture<C> attempt(CompletableFuture<C> current, boolean inBackground) {
    CompletableFuture<C> attempt = new CompletableFuture<>();
    if (!connection.compareAndSet(current, attempt)) {
      return connection.get();
    }
    Runnable start =
        () -> {
          if (closed) {
            // Closed before this ran: connecting now would use threads already stopped.
            attempt.completeExceptionally(
                new StoreException("Redis " + config.describe() + " is closed"));
            return;
          }
          try {
            connect()
                .whenComplete(
                    (connected, failure) -> {
                      if (failure == null) {
                        attempt.complete(connected);
                        return;
                      }
                      attempt.completeExceptionally(failure);
                      if (inBackground && !closed) {
                        resources
                            .eventExecutorGroup()
                            .schedule(
                                this::connectInBackground,
                                RECONNECT_INTERVAL.toMillis(),
                                TimeUnit.MILLISECONDS);
                      }
                    });
          } catch (RuntimeException e) {
            attempt.completeExceptionally(e);
          }
        };
    if (inBackground) {
      CompletableFuture.runAsync(start);
    } else {
      start.run();
    }
    return attempt;
  }

  /**
   * The shared connection, connecting if there is none yet or the last attempt failed. Once
   * connected, Lettuce's own reconnection takes over.
   */
  final CompletableFuture<C> connection() {
    CompletableFuture<C> current = connection.get();
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
    return attempt(current, false);
  }

  /**
   * Calls {@code listener} with every message on {@code channel}, on the connection's I/O thread.
   * Connects in the background, retrying every {@link #RECONNECT_INTERVAL} until Redis answers;
   * once subscribed, Lettuce reconnects and resubscribes by itself. Messages published while the
   * subscription is down are lost. Returns at once: Lettuce builds a new connection's objects on
   * the calling thread before connecting (the first time, much of its client is loaded and set up
   * then), which would otherwise delay cachegate's start.
   */
  final void subscribe(String channel, Consumer<String> listener) {
    CompletableFuture.supplyAsync(
            () ->
                closed
                    // Closed before this ran: connecting now would use threads already stopped.
                    ? CompletableFuture.<StatefulRedisPubSubConnection<String, String>>failedFuture(
                        new StoreException("Redis " + config.describe() + " is closed"))
                    : connectPubSub())
        .thenCompose(pubSub -> pubSub)
        .whenComplete(
            (pubSub, failure) -> {
              if (failure != null) {
                if (closed) {
                  return;
                }
                resources
                    .eventExecutorGroup()
                    .schedule(
                        () -> subscribe(channel, listener),
                        RECONNECT_INTERVAL.toMillis(),
                        TimeUnit.MILLISECONDS);
                return;
              }
              subscriptions.add(pubSub);
              if (closed) {
                // Connected while closing: close() may have gone past the list before the add.
                pubSub.close();
                return;
              }
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

  /** Releases what a subclass holds besides the client; called first by {@link #close()}. */
  void closing() {}

  @Override
  public final void close() {
    closed = true;
    closing();
    subscriptions.forEach(StatefulRedisPubSubConnection::close);
    CompletableFuture<C> current = connection.get();
    if (current != null) {
      current.thenAccept(StatefulConnection::close);
    }
    client().shutdown(Duration.ZERO, Duration.ofSeconds(2));
    resources.shutdown(0, 2, TimeUnit.SECONDS);
  }

  /** {@code SCAN} arguments for one page. */
  static ScanArgs matching(String pattern, int count) {
    return ScanArgs.Builder.matches(pattern).limit(count);
  }

  /** Options for every connection: fail fast while disconnected, time out every command. */
  static <B extends ClientOptions.Builder> B options(B builder, RedisConfig config) {
    builder
        .autoReconnect(true)
        .disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS)
        .timeoutOptions(TimeoutOptions.enabled(config.timeout()))
        .socketOptions(
            SocketOptions.builder().connectTimeout(CONNECT_TIMEOUT).keepAlive(true).build())
        .sslOptions(sslOptions(config));
    return builder;
  }

  /** One server's address with the configured credentials, database, TLS and timeout. */
  static RedisURI.Builder server(RedisConfig config, RedisURI.Builder builder) {
    builder
        .withDatabase(config.database())
        .withSsl(config.transport() == RedisConfig.Transport.TLS)
        // The client's handshake (HELLO, SELECT) is bounded by this, commands by the
        // TimeoutOptions: a loaded moment must not fail a new connection after 100 ms.
        .withTimeout(
            CONNECT_TIMEOUT.compareTo(config.timeout()) > 0 ? CONNECT_TIMEOUT : config.timeout());
    if (config.hasPassword()) {
      return config.username().isEmpty()
          ? builder.withPassword(config.password().toCharArray())
          : builder.withAuthentication(config.username(), config.password());
    }
    return builder;
  }

  /** TLS trusting {@code CACHE_REDIS_TLS_CA} when given, else the JVM's certificate authorities. */
  private static SslOptions sslOptions(RedisConfig config) {
    SslOptions.Builder ssl = SslOptions.builder().jdkSslProvider();
    if (!config.tlsCaFile().isEmpty()) {
      ssl.trustManager(new File(config.tlsCaFile()));
    }
    return ssl.build();
  }
}
