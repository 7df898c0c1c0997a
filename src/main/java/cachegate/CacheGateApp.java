package cachegate;

import cachegate.config.CacheType;
import cachegate.config.ConfigException;
import cachegate.config.ConfigLoader;
import cachegate.config.DotEnv;
import cachegate.config.GatewayConfig;
import cachegate.config.Routes;
import cachegate.engine.CacheEngine;
import cachegate.engine.FetchLease;
import cachegate.engine.GuardedUpstream;
import cachegate.engine.OutageLog;
import cachegate.engine.ResponseStore;
import cachegate.engine.Route;
import cachegate.http.GatewayServer;
import cachegate.http.RedisProbe;
import cachegate.http.UpstreamProbe;
import cachegate.store.MemoryStore;
import cachegate.store.NullStore;
import cachegate.store.RedisLease;
import cachegate.store.RedisStore;
import cachegate.store.TieredStore;
import cachegate.upstream.HttpUpstream;
import io.vertx.core.Vertx;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.InstantSource;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ThreadLocalRandom;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Composition root: loads the configuration, builds every collaborator, starts the server. */
public final class CacheGateApp implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(CacheGateApp.class);

  private final Vertx vertx;
  private final GatewayServer server;
  private final HttpUpstream upstream;
  private final Optional<RedisStore> redis;
  private final int port;

  private CacheGateApp(
      Vertx vertx,
      GatewayServer server,
      HttpUpstream upstream,
      Optional<RedisStore> redis,
      int port) {
    this.vertx = vertx;
    this.server = server;
    this.upstream = upstream;
    this.redis = redis;
    this.port = port;
  }

  public static void main(String[] args) {
    GatewayConfig config;
    try {
      config = ConfigLoader.from(environment(Path.of(".env")));
    } catch (ConfigException e) {
      System.err.println("cachegate: cannot start: " + e.getMessage());
      System.exit(2);
      return;
    }
    CacheGateApp app = start(config, InstantSource.system());
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

  /** Starts cachegate and blocks until it listens. */
  public static CacheGateApp start(GatewayConfig config, InstantSource clock) {
    long started = System.nanoTime();
    // The Redis client and Vert.x each take a few hundred milliseconds to load: overlap them.
    CompletableFuture<Optional<RedisStore>> redisClient =
        CompletableFuture.supplyAsync(
            () ->
                config.cacheType() == CacheType.REDIS
                    ? Optional.of(new RedisStore(config.redis(), clock))
                    : Optional.empty());
    Vertx vertx = Vertx.vertx();
    Route route = Routes.universities();
    Optional<RedisStore> redis = redisClient.join();
    ResponseStore store =
        switch (config.cacheType()) {
          case REDIS ->
              config.localMaxBytes() == 0
                  ? redis.orElseThrow()
                  : new TieredStore(
                      new MemoryStore(config.localMaxBytes(), clock),
                      redis.orElseThrow(),
                      clock,
                      new OutageLog("Redis " + config.redis().describe()),
                      config.keyPrefix());
          case SIMPLE -> new MemoryStore(config.localMaxBytes(), clock);
          case NULL -> new NullStore();
        };
    FetchLease lease = redis.<FetchLease>map(RedisLease::new).orElse(FetchLease.LOCAL);
    HttpUpstream upstream = new HttpUpstream(vertx, config.upstream(), route.upstreamPath());
    GuardedUpstream guarded =
        new GuardedUpstream(
            upstream,
            config.upstream().base(),
            config.upstream().maxConcurrency(),
            config.upstream().maxQueue(),
            config.upstream().timeout(),
            clock);
    CacheEngine engine =
        new CacheEngine(
            store,
            guarded,
            lease,
            config.universities(),
            clock,
            ThreadLocalRandom.current(),
            config.upstream().timeout());
    GatewayServer server =
        GatewayServer.create(
            vertx,
            route,
            engine,
            config.keyPrefix(),
            config.cacheType().label(),
            new UpstreamProbe(
                config.upstream().base(), () -> guarded.breakerState().name(), guarded::inFlight),
            redis.map(r -> new RedisProbe(r.describe(), r::ping, () -> r.breakerState().name())));
    int port =
        server
            .listen(config.server().port(), Runtime.getRuntime().availableProcessors())
            .toCompletionStage()
            .toCompletableFuture()
            .join();
    LOG.info(
        "cachegate listening on port {} in {} ms; cache: {} ({}){}; upstream: {}, TTL {}",
        port,
        (System.nanoTime() - started) / 1_000_000,
        config.cacheType().label(),
        config.cacheTypeReason(),
        redis.map(r -> " at " + r.describe()).orElse(""),
        config.upstream().base(),
        config.universities().ttl());
    return new CacheGateApp(vertx, server, upstream, redis, port);
  }

  /** The port the server listens on. */
  public int port() {
    return port;
  }

  /** Stops the server, then the upstream client, Redis and Vert.x. */
  @Override
  public void close() {
    server.close().toCompletionStage().toCompletableFuture().join();
    upstream.close();
    redis.ifPresent(RedisStore::close);
    vertx.close().toCompletionStage().toCompletableFuture().join();
  }
}
