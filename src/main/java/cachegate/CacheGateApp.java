package cachegate;

import static java.util.concurrent.TimeUnit.MILLISECONDS;

import cachegate.config.CacheType;
import cachegate.config.ConfigLoader;
import cachegate.config.DotEnv;
import cachegate.config.GatewayConfig;
import cachegate.config.RouteConfig;
import cachegate.config.Version;
import cachegate.engine.CacheEngine;
import cachegate.engine.CacheGateException;
import cachegate.engine.CacheMetrics;
import cachegate.engine.CachePolicy;
import cachegate.engine.DurationText;
import cachegate.engine.EntryCatalog;
import cachegate.engine.Failures;
import cachegate.engine.FetchLease;
import cachegate.engine.LocalRateBudget;
import cachegate.engine.OutageLog;
import cachegate.engine.ResponseStore;
import cachegate.engine.Scheduler;
import cachegate.engine.Tracer;
import cachegate.http.GatewayServer;
import cachegate.http.RedisProbe;
import cachegate.http.ServedRoute;
import cachegate.metrics.MicrometerCacheMetrics;
import cachegate.store.LoopScheduler;
import cachegate.store.MemoryStore;
import cachegate.store.NullStore;
import cachegate.store.RedisLease;
import cachegate.store.RedisRateBudget;
import cachegate.store.RedisStore;
import cachegate.store.TieredStore;
import cachegate.tracing.OtelTracer;
import cachegate.upstream.ByteBudget;
import cachegate.upstream.HttpUpstream;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.internal.VertxInternal;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Composition root: loads the configuration, builds every collaborator, starts the server (longer
 * than most classes: it builds everything, in the order things depend on, one method a step; wiring
 * one route is {@link Wiring}'s). The one class of its package that uses Vert.x's internal API:
 * {@code VertxInternal.nettyEventLoopGroup()}, Vert.x's event loops, on which the Redis connections
 * and timers run (Vert.x 5 made it internal).
 */
public final class CacheGateApp implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(CacheGateApp.class);

  private final Vertx vertx;

  /** How long requests in flight may take to finish at shutdown. */
  static final Duration SHUTDOWN_GRACE = Duration.ofSeconds(10);

  /**
   * How long the start line waits for the check of Redis at start: enough for a refused or a
   * completed connection, short enough for a Redis that does not answer at all.
   */
  static final Duration REDIS_CHECK_WAIT = Duration.ofSeconds(1);

  private final GatewayServer server;
  private final Tracer tracer;
  private final List<CacheEngine> engines;
  private final List<HttpUpstream> upstreams;
  private final Optional<RedisStore> redis;
  private final int port;
  private final AtomicBoolean closed = new AtomicBoolean();

  private CacheGateApp(
      Vertx vertx,
      GatewayServer server,
      Tracer tracer,
      List<CacheEngine> engines,
      List<HttpUpstream> upstreams,
      Optional<RedisStore> redis,
      int port) {
    this.vertx = vertx;
    this.server = server;
    this.tracer = tracer;
    this.engines = engines;
    this.upstreams = upstreams;
    this.redis = redis;
    this.port = port;
  }

  /**
   * Starts cachegate from the environment and {@code .env}. What stops it from starting (a bad
   * value, a port in use) is one line on standard error and exit code 2.
   */
  public static void main(String[] args) {
    CacheGateApp app;
    try {
      app = start(ConfigLoader.from(environment(Path.of(".env"))), InstantSource.system());
    } catch (CacheGateException e) {
      System.err.println("cachegate: cannot start: " + e.getMessage());
      System.exit(2);
      return;
    }
    Runtime.getRuntime().addShutdownHook(new Thread(app::close, "cachegate-shutdown"));
  }

  /** The process environment over the variables of {@code dotEnv}, if that file exists. */
  static Map<String, String> environment(Path dotEnv) {
    Map<String, String> merged = new HashMap<>();
    if (Files.isRegularFile(dotEnv)) {
      try {
        merged.putAll(DotEnv.parse(Files.readString(dotEnv)));
      } catch (IOException e) {
        throw new UncheckedIOException("cannot read " + dotEnv.toAbsolutePath(), e);
      }
    }
    merged.putAll(System.getenv());
    return merged;
  }

  /** Starts cachegate and blocks until it listens; first logs the configuration's warnings. */
  public static CacheGateApp start(GatewayConfig config, InstantSource clock) {
    long started = System.nanoTime();
    config.warnings().forEach(warning -> LOG.warn("{}", warning));
    // One event loop per core, as many as HTTP servers: each loop keeps its own buffer caches.
    Vertx vertx =
        Vertx.vertx(
            new VertxOptions().setEventLoopPoolSize(Runtime.getRuntime().availableProcessors()));
    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    MicrometerCacheMetrics metrics = new MicrometerCacheMetrics(registry);
    // The Redis client takes a few hundred milliseconds to load: overlap it with the rest. Its
    // connections run on Vert.x's event loops.
    CompletableFuture<Optional<RedisStore>> redisClient =
        CompletableFuture.supplyAsync(() -> redisStore(config, clock, vertx, metrics));
    Optional<MemoryStore> local = localTier(config, clock, registry);
    Optional<RedisStore> redis = redisClient.join();
    // One outage log for Redis: what the check at start finds, the first failing request does not
    // report again, and the recovery is reported.
    OutageLog redisOutage = new OutageLog("Redis " + config.redis().describe());
    CompletableFuture<Void> redisChecked =
        redis
            .map(
                r ->
                    r.checkAtStart(
                        redisOutage,
                        local.isPresent()
                            ? "from the local tier and the upstream"
                            : "the upstream"))
            .orElse(CompletableFuture.completedFuture(null));
    Store store = store(config, clock, local, redis, redisOutage, metrics);
    FetchLease lease =
        redis.<FetchLease>map(RedisLease::new).orElseGet(() -> FetchLease.local(store.responses()));
    Scheduler waits = new LoopScheduler(((VertxInternal) vertx).nettyEventLoopGroup());
    ByteBudget upstreamMemory = new ByteBudget(config.upstreamBufferBytes());
    Gauge.builder("cachegate.upstream.buffered", upstreamMemory, ByteBudget::taken)
        .description(
            "Bytes of upstream answers held while gathered (at most UPSTREAM_BUFFER_BYTES)")
        .baseUnit("bytes")
        .register(registry);
    Wiring wiring =
        new Wiring(
            vertx,
            clock,
            metrics,
            store.responses(),
            lease,
            waits,
            upstreamMemory,
            redis
                .<Wiring.RateBudgets>map(
                    r ->
                        (route, limit) ->
                            new RedisRateBudget(r, config.keyPrefix(), route, limit, clock))
                .orElse((route, limit) -> new LocalRateBudget(limit, clock)));
    List<HttpUpstream> upstreams = new ArrayList<>();
    List<ServedRoute> routes = new ArrayList<>();
    for (RouteConfig routeConfig : config.routes()) {
      HttpUpstream upstream = wiring.upstream(routeConfig, config.upstreamMaxBodyBytes());
      upstreams.add(upstream);
      routes.add(wiring.served(routeConfig, upstream));
    }
    routes.forEach(
        served ->
            circuitGauge(registry, "upstream", served.route().name(), served.upstream().circuit()));
    redis.ifPresent(r -> circuitGauge(registry, "redis", "", () -> r.breakerState().name()));
    Tracer tracer = tracer(config);
    GatewayServer server =
        GatewayServer.create(vertx, metrics)
            .tracing(tracer)
            .cachedRoutes(
                routes,
                config.keyPrefix(),
                metrics,
                identityCopyBytes(config, local),
                config.localDiskDirectory(),
                config.localDiskMaxBytes())
            .health(
                config.cacheType().label(),
                routes,
                redis.map(
                    r -> new RedisProbe(r.describe(), r::ping, () -> r.breakerState().name())))
            .metrics(registry::scrape)
            .admin(
                config.admin(),
                routes,
                store.catalog(),
                config.keyPrefix(),
                clock,
                () -> stats(metrics, local, started));
    Gauge.builder("cachegate.local.offheap.bytes", server, GatewayServer::identityCopyBytes)
        .description("Bytes of off-heap identity copies of local-tier bodies")
        .baseUnit("bytes")
        .register(registry);
    Gauge.builder("cachegate.local.disk.bytes", server, GatewayServer::identityFileBytes)
        .description("Bytes of identity files, from before they are written until closed")
        .baseUnit("bytes")
        .register(registry);
    Gauge.builder("cachegate.local.disk.files", server, GatewayServer::identityFiles)
        .description("Identity files kept (CACHE_LOCAL_DISK_DIR)")
        .register(registry);
    FunctionCounter.builder(
            "cachegate.local.disk.write.failures", server, GatewayServer::identityFileFailures)
        .description("Identity files that could not be written (a full disk, say)")
        .register(registry);
    Gauge.builder("cachegate.client.connections", server, GatewayServer::openConnections)
        .description("Client connections open now (at most CLIENT_MAX_CONNECTIONS)")
        .register(registry);
    int port;
    try {
      port =
          server
              .listen(config.server(), Runtime.getRuntime().availableProcessors(), metrics)
              .toCompletionStage()
              .toCompletableFuture()
              .join();
    } catch (CompletionException e) {
      // Nothing will serve: let go of every thread started so far, so that the JVM can exit.
      stopTracing(tracer);
      upstreams.forEach(HttpUpstream::close);
      redis.ifPresent(RedisStore::close);
      vertx.close().toCompletionStage().toCompletableFuture().join();
      throw Failures.unwrap(e) instanceof CacheGateException refused ? refused : e;
    }
    long listening = System.nanoTime() - started;
    // Clients are served already; the start line waits a moment for Redis's answer so that a Redis
    // found unreachable is said first (else the check says so when it knows).
    redisChecked.copy().completeOnTimeout(null, REDIS_CHECK_WAIT.toMillis(), MILLISECONDS).join();
    LOG.info("{}", startLine(config, port, listening, redis));
    // The JVM's meters take a few dozen milliseconds to bind (class loading, MXBeans): once
    // serving, so that the first answer does not wait for them.
    bindJvmMetrics(registry);
    return new CacheGateApp(
        vertx,
        server,
        tracer,
        routes.stream().map(ServedRoute::engine).toList(),
        upstreams,
        redis,
        port);
  }

  /**
   * OpenTelemetry's tracer when {@code OTEL_*} asks for traces; otherwise none, and no class of
   * OpenTelemetry is loaded (this method names its tracer only on that branch).
   */
  private static Tracer tracer(GatewayConfig config) {
    if (!config.tracing().isOn()) {
      return Tracer.none();
    }
    return OtelTracer.start(config.tracing(), Version.CURRENT);
  }

  /** Sends the spans still waiting and stops the exporter's thread. */
  private static void stopTracing(Tracer tracer) {
    if (tracer instanceof AutoCloseable exporting) {
      try {
        exporting.close();
      } catch (Exception e) {
        LOG.warn("stopping the trace exporter failed: {}", Failures.describe(e));
      }
    }
  }

  /**
   * {@code cachegate_circuit_open{dependency,route}}: 1 while a breaker is not closed, for alerts.
   */
  private static void circuitGauge(
      PrometheusMeterRegistry registry, String dependency, String route, Supplier<String> state) {
    Gauge.builder("cachegate.circuit.open", state, s -> "CLOSED".equals(s.get()) ? 0 : 1)
        .description("1 while the circuit breaker in front of a dependency is open or half-open")
        .tags("dependency", dependency, "route", route)
        .register(registry);
  }

  /** The Redis store when the cache type is Redis; its connections run on Vert.x's event loops. */
  private static Optional<RedisStore> redisStore(
      GatewayConfig config, InstantSource clock, Vertx vertx, CacheMetrics metrics) {
    if (!config.cacheType().isRedis()) {
      return Optional.empty();
    }
    long largestEntry =
        config.routes().stream()
            .mapToLong(route -> route.policy().maxEntryBytes())
            .max()
            .orElseThrow();
    return Optional.of(
        new RedisStore(
            config.redis(),
            clock,
            ((VertxInternal) vertx).nettyEventLoopGroup(),
            metrics,
            largestEntry));
  }

  /** The in-process tier, unless it is turned off, with its size as gauges. */
  private static Optional<MemoryStore> localTier(
      GatewayConfig config, InstantSource clock, PrometheusMeterRegistry registry) {
    if (config.localMaxBytes() == 0 || config.cacheType() == CacheType.NULL) {
      return Optional.empty();
    }
    MemoryStore memory = new MemoryStore(MemoryStore.heapShare(config.localMaxBytes()), clock);
    Gauge.builder("cachegate.local.entries", memory, MemoryStore::entries)
        .description("Entries in the in-process tier")
        .register(registry);
    Gauge.builder("cachegate.local.bytes", memory, MemoryStore::bytes)
        .description("Bytes the in-process tier counts against CACHE_LOCAL_MAX_BYTES")
        .baseUnit("bytes")
        .register(registry);
    return Optional.of(memory);
  }

  /** The local tier's bytes left for off-heap identity copies beside its stored bodies. */
  private static long identityCopyBytes(GatewayConfig config, Optional<MemoryStore> local) {
    return local.isEmpty()
        ? 0
        : config.localMaxBytes() - MemoryStore.heapShare(config.localMaxBytes());
  }

  /** The one line that says cachegate serves: port, time taken, cache, routes, admin. */
  private static String startLine(
      GatewayConfig config, int port, long listeningNanos, Optional<RedisStore> redis) {
    String routes =
        config.routes().stream()
            .map(
                r ->
                    r.route().path()
                        + " -> "
                        + r.route().upstream()
                        + " (TTL "
                        + (r.policy().ttlFrom() == CachePolicy.TtlFrom.UPSTREAM
                            ? "from upstream, at most "
                                + DurationText.of(r.policy().maxTtl())
                                + ", else "
                            : "")
                        + DurationText.of(r.policy().ttl())
                        + ")")
            .collect(Collectors.joining(", "));
    return "cachegate listening on port "
        + port
        + " in "
        + listeningNanos / 1_000_000
        + " ms; cache: "
        + config.cacheType().label()
        + " ("
        + config.cacheTypeReason()
        + ")"
        + redis.map(r -> " at " + r.describe()).orElse("")
        + "; routes from "
        + config.routesSource()
        + ": "
        + routes
        + "; admin "
        + (config.admin().isPresent() ? "on at /admin" : "off (CACHEGATE_ADMIN_TOKEN unset)")
        + "; traces "
        + (config.tracing().isOn()
            ? "to " + config.tracing().endpoint() + " as " + config.tracing().serviceName()
            : "off");
  }

  /** A store seen as what the engine reads and writes, and as what operators list and purge. */
  private record Store(ResponseStore responses, EntryCatalog catalog) {}

  private static Store store(
      GatewayConfig config,
      InstantSource clock,
      Optional<MemoryStore> local,
      Optional<RedisStore> redis,
      OutageLog redisOutage,
      CacheMetrics metrics) {
    return switch (config.cacheType()) {
      case REDIS, REDIS_CLUSTER, REDIS_SENTINEL -> {
        if (local.isEmpty()) {
          yield new Store(redis.orElseThrow(), redis.orElseThrow());
        }
        TieredStore tiered =
            new TieredStore(
                local.get(), redis.orElseThrow(), clock, redisOutage, metrics, config.keyPrefix());
        yield new Store(tiered, tiered);
      }
      case SIMPLE -> new Store(local.orElseThrow(), local.orElseThrow());
      case NULL -> new Store(new NullStore(), new NullStore());
    };
  }

  private static void bindJvmMetrics(PrometheusMeterRegistry registry) {
    new ClassLoaderMetrics().bindTo(registry);
    new JvmMemoryMetrics().bindTo(registry);
    new JvmGcMetrics().bindTo(registry);
    new JvmThreadMetrics().bindTo(registry);
    new ProcessorMetrics().bindTo(registry);
    new UptimeMetrics().bindTo(registry);
  }

  private static Map<String, Object> stats(
      MicrometerCacheMetrics metrics, Optional<MemoryStore> local, long startedNanos) {
    Map<String, Object> stats = new LinkedHashMap<>(metrics.totals());
    stats.put(
        "localTier",
        Map.of(
            "entries", local.map(MemoryStore::entries).orElse(0L),
            "bytes", local.map(MemoryStore::bytes).orElse(0L)));
    stats.put("uptimeSeconds", (System.nanoTime() - startedNanos) / 1_000_000_000L);
    return stats;
  }

  /** The port the server listens on. */
  public int port() {
    return port;
  }

  /**
   * Graceful shutdown: readiness turns 503, no new background refresh starts, requests in flight
   * get up to {@link #SHUTDOWN_GRACE} to finish; then the upstream client, Redis and Vert.x stop.
   */
  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    LOG.info(
        "cachegate stopping: finishing requests in flight (up to {})",
        DurationText.of(SHUTDOWN_GRACE));
    engines.forEach(CacheEngine::close);
    server.close(SHUTDOWN_GRACE).toCompletionStage().toCompletableFuture().join();
    stopTracing(tracer);
    upstreams.forEach(HttpUpstream::close);
    redis.ifPresent(RedisStore::close);
    vertx.close().toCompletionStage().toCompletableFuture().join();
  }
}
