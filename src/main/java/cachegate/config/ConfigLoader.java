package cachegate.config;

import cachegate.config.RedisConfig.Topology;
import cachegate.engine.CachePolicy;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Builds a {@link GatewayConfig} from environment variables. Pure: the app passes {@code
 * System.getenv()} merged with {@code .env}, tests pass a map. Blank values count as unset. Every
 * problem is a {@link ConfigException} naming the variable and its value. It holds the one list of
 * every variable ({@link #VARIABLES}, checked against the README's table); {@link Env} reads them
 * as typed values and {@link RedisSettings} reads where Redis is.
 */
public final class ConfigLoader {

  /**
   * One environment variable cachegate reads.
   *
   * @param name the variable
   * @param defaultValue its default as the README shows it
   */
  public record Variable(String name, String defaultValue) {}

  /** The TTL of a route in a routes file that sets none ({@code CACHE_DEFAULT_TIMEOUT}). */
  public static final Duration DEFAULT_ROUTE_TTL = Duration.ofSeconds(500);

  /** Every variable read by {@link #from}, with its default; the README's table must match. */
  public static final List<Variable> VARIABLES =
      List.of(
          new Variable("PORT", String.valueOf(ServerConfig.DEFAULT_PORT)),
          new Variable(
              "CLIENT_HEADER_TIMEOUT",
              String.valueOf(ServerConfig.DEFAULT_HEADER_TIMEOUT.toSeconds())),
          new Variable(
              "CLIENT_IDLE_TIMEOUT", String.valueOf(ServerConfig.DEFAULT_IDLE_TIMEOUT.toSeconds())),
          new Variable(
              "CLIENT_SEND_TIMEOUT", String.valueOf(ServerConfig.DEFAULT_SEND_TIMEOUT.toSeconds())),
          new Variable(
              "CLIENT_MAX_CONNECTIONS", String.valueOf(ServerConfig.DEFAULT_MAX_CONNECTIONS)),
          new Variable("CACHE_TYPE", "simple"),
          new Variable("CACHE_REDIS_HOST", RedisConfig.DEFAULT_HOST),
          new Variable("CACHE_REDIS_PORT", String.valueOf(RedisConfig.DEFAULT_PORT)),
          new Variable("CACHE_REDIS_DB", String.valueOf(RedisConfig.DEFAULT_DATABASE)),
          new Variable("CACHE_REDIS_PASSWORD", "none"),
          new Variable("CACHE_REDIS_URL", "none"),
          new Variable("CACHE_REDIS_TIMEOUT", "100ms"),
          new Variable("CACHE_REDIS_TLS_CA", "none"),
          new Variable("CACHE_REDIS_CLUSTER", "none"),
          new Variable("CACHE_REDIS_SENTINELS", "none"),
          new Variable("CACHE_REDIS_SENTINEL_MASTER", RedisConfig.DEFAULT_SENTINEL_MASTER),
          new Variable("CACHE_DEFAULT_TIMEOUT", String.valueOf(DEFAULT_ROUTE_TTL.toSeconds())),
          new Variable("CACHE_KEY_PREFIX", GatewayConfig.DEFAULT_KEY_PREFIX),
          new Variable(
              "CACHE_LOCAL_MAX_BYTES", String.valueOf(GatewayConfig.DEFAULT_LOCAL_MAX_BYTES)),
          new Variable(
              "CACHE_LOCAL_DISK_MAX_BYTES",
              String.valueOf(GatewayConfig.DEFAULT_LOCAL_DISK_MAX_BYTES)),
          new Variable(
              "CACHE_LOCAL_DISK_DIR", GatewayConfig.DEFAULT_LOCAL_DISK_DIRECTORY.toString()),
          new Variable(
              "CACHE_MAX_ENTRY_BYTES", String.valueOf(CachePolicy.DEFAULT_MAX_ENTRY_BYTES)),
          new Variable("CACHE_STALE_WHILE_REVALIDATE", "60"),
          new Variable("CACHE_STALE_IF_ERROR", "86400"),
          new Variable("CACHE_TTL_JITTER", String.valueOf(CachePolicy.DEFAULT_TTL_JITTER)),
          new Variable("CACHE_STATUSES", StatusTtls.DEFAULT_TEXT),
          new Variable("CACHE_TTL_FROM", "route"),
          new Variable("CACHE_MAX_TTL", String.valueOf(CachePolicy.DEFAULT_MAX_TTL.toSeconds())),
          new Variable("CACHEGATE_ROUTES", "none"),
          new Variable("UNIVERSITIES_API_URL", Routes.DEFAULT_UNIVERSITIES_URL.toString()),
          new Variable("UNIVERSITIES_CACHE_TIMEOUT", "30"),
          new Variable("UPSTREAM_TIMEOUT", "10"),
          new Variable(
              "UPSTREAM_MAX_CONCURRENCY", String.valueOf(UpstreamConfig.DEFAULT_MAX_CONCURRENCY)),
          new Variable("UPSTREAM_MAX_QUEUE", String.valueOf(UpstreamConfig.DEFAULT_MAX_QUEUE)),
          new Variable("UPSTREAM_KEEP_ALIVE", "4"),
          new Variable("UPSTREAM_RATE_LIMIT", "none"),
          new Variable(
              "UPSTREAM_MAX_BODY_BYTES",
              String.valueOf(GatewayConfig.DEFAULT_UPSTREAM_MAX_BODY_BYTES)),
          new Variable(
              "UPSTREAM_BUFFER_BYTES", String.valueOf(GatewayConfig.DEFAULT_UPSTREAM_BUFFER_BYTES)),
          new Variable("UPSTREAM_TLS_CA", "none"),
          new Variable("UPSTREAM_ENCODING", "gzip"),
          new Variable("HTTPS_PROXY", "none"),
          new Variable("HTTP_PROXY", "none"),
          new Variable("NO_PROXY", "none"),
          new Variable("CACHEGATE_ADMIN_TOKEN", "none"),
          new Variable("LOG_FORMAT", "text"),
          new Variable("OTEL_TRACES_EXPORTER", "none"),
          new Variable("OTEL_EXPORTER_OTLP_ENDPOINT", TracingConfig.DEFAULT_ENDPOINT.toString()),
          new Variable("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "none"),
          new Variable("OTEL_SERVICE_NAME", TracingConfig.DEFAULT_SERVICE_NAME),
          new Variable("OTEL_RESOURCE_ATTRIBUTES", "none"),
          new Variable("OTEL_TRACES_SAMPLER", "parentbased_always_on"),
          new Variable("OTEL_TRACES_SAMPLER_ARG", "1.0"));

  private final Env env;

  /** Where {@code ${env:…}} and {@code ${file:…}} in a routes file are read from. */
  private final SecretSources secrets;

  private ConfigLoader(Map<String, String> env) {
    this.env = new Env(env);
    this.secrets = SecretSources.of(env);
  }

  /** Reads every variable in {@link #VARIABLES} from {@code env}. */
  public static GatewayConfig from(Map<String, String> env) {
    return new ConfigLoader(env).load();
  }

  private GatewayConfig load() {
    checkLogFormat();
    ServerConfig server =
        new ServerConfig(
            env.integer("PORT", ServerConfig.DEFAULT_PORT),
            env.duration("CLIENT_HEADER_TIMEOUT", ServerConfig.DEFAULT_HEADER_TIMEOUT),
            env.duration("CLIENT_IDLE_TIMEOUT", ServerConfig.DEFAULT_IDLE_TIMEOUT),
            env.duration("CLIENT_SEND_TIMEOUT", ServerConfig.DEFAULT_SEND_TIMEOUT),
            env.integer("CLIENT_MAX_CONNECTIONS", ServerConfig.DEFAULT_MAX_CONNECTIONS));
    CacheType cacheType;
    String reason;
    Optional<String> declared = env.value("CACHE_TYPE");
    boolean cluster = env.value("CACHE_REDIS_CLUSTER").isPresent();
    boolean sentinels = env.value("CACHE_REDIS_SENTINELS").isPresent();
    if (declared.isPresent()) {
      cacheType = CacheType.parse(declared.get());
      reason = "CACHE_TYPE=" + declared.get();
    } else if (cluster && sentinels) {
      throw new ConfigException(
          "CACHE_REDIS_CLUSTER and CACHE_REDIS_SENTINELS are both set: set CACHE_TYPE to"
              + " redis-cluster or redis-sentinel to choose one");
    } else if (cluster) {
      cacheType = CacheType.REDIS_CLUSTER;
      reason = "CACHE_TYPE unset, CACHE_REDIS_CLUSTER set";
    } else if (sentinels) {
      cacheType = CacheType.REDIS_SENTINEL;
      reason = "CACHE_TYPE unset, CACHE_REDIS_SENTINELS set";
    } else if (env.value("CACHE_REDIS_URL").isPresent()
        || env.value("CACHE_REDIS_HOST").isPresent()) {
      cacheType = CacheType.REDIS;
      reason = "CACHE_TYPE unset, Redis configured";
    } else {
      cacheType = CacheType.SIMPLE;
      reason = "no cache configured (CACHE_TYPE and CACHE_REDIS_* unset): in-process cache only";
    }
    RedisConfig redis =
        switch (cacheType) {
          case REDIS_CLUSTER -> RedisSettings.topology(env, Topology.CLUSTER);
          case REDIS_SENTINEL -> RedisSettings.topology(env, Topology.SENTINEL);
          case REDIS, SIMPLE, NULL -> RedisSettings.server(env);
        };
    Optional<String> routesFile = env.value("CACHEGATE_ROUTES");
    CachePolicy routeDefaults = policy("CACHE_DEFAULT_TIMEOUT", DEFAULT_ROUTE_TTL);
    ProxySettings proxies = ProxySettings.read(env);
    List<RouteConfig> routes =
        (routesFile.isPresent()
                ? routesFile(routesFile.get(), routeDefaults)
                : List.of(universities()))
            .stream()
                .map(
                    r ->
                        r.withUpstream(
                            r.upstream()
                                .withProxy(
                                    proxies.forUpstream(
                                        URI.create(r.route().upstream().origin())))))
                .toList();
    return new GatewayConfig(
        server,
        cacheType,
        reason,
        redis,
        routes,
        routesFile.orElse("built-in universities route"),
        env.value("CACHE_KEY_PREFIX").orElse(GatewayConfig.DEFAULT_KEY_PREFIX),
        env.longInteger("CACHE_LOCAL_MAX_BYTES", GatewayConfig.DEFAULT_LOCAL_MAX_BYTES),
        env.longInteger("CACHE_LOCAL_DISK_MAX_BYTES", GatewayConfig.DEFAULT_LOCAL_DISK_MAX_BYTES),
        localDiskDirectory(),
        env.positiveLong("UPSTREAM_MAX_BODY_BYTES", GatewayConfig.DEFAULT_UPSTREAM_MAX_BODY_BYTES),
        env.positiveLong("UPSTREAM_BUFFER_BYTES", GatewayConfig.DEFAULT_UPSTREAM_BUFFER_BYTES),
        env.value("CACHEGATE_ADMIN_TOKEN").orElse(""),
        TracingSettings.read(env),
        env.warnings());
  }

  /**
   * {@code CACHE_LOCAL_DISK_DIR}: an absolute path, so that it does not depend on where cachegate
   * starts.
   */
  private Path localDiskDirectory() {
    String raw =
        env.value("CACHE_LOCAL_DISK_DIR")
            .orElse(GatewayConfig.DEFAULT_LOCAL_DISK_DIRECTORY.toString());
    Path directory;
    try {
      directory = Path.of(raw);
    } catch (InvalidPathException e) {
      throw new ConfigException("CACHE_LOCAL_DISK_DIR is not a path, was '" + raw + "'");
    }
    if (!directory.isAbsolute()) {
      throw new ConfigException("CACHE_LOCAL_DISK_DIR must be an absolute path, was '" + raw + "'");
    }
    return directory;
  }

  /**
   * Logging is set up before the configuration is read (cachegate.LogConfiguration reads {@code
   * LOG_FORMAT} itself); a value it would not understand is refused here, by name.
   */
  private void checkLogFormat() {
    env.value("LOG_FORMAT")
        .filter(format -> !format.equalsIgnoreCase("text") && !format.equalsIgnoreCase("json"))
        .ifPresent(
            format -> {
              throw new ConfigException("LOG_FORMAT must be text or json, was '" + format + "'");
            });
  }

  /** The cache settings every route starts from, with {@code ttl} for its TTL. */
  private CachePolicy policy(String ttlVariable, Duration ttl) {
    return new CachePolicy(
        env.duration(ttlVariable, ttl),
        env.window("CACHE_STALE_WHILE_REVALIDATE", CachePolicy.DEFAULT_STALE_WHILE_REVALIDATE),
        env.window("CACHE_STALE_IF_ERROR", CachePolicy.DEFAULT_STALE_IF_ERROR),
        env.fraction("CACHE_TTL_JITTER", CachePolicy.DEFAULT_TTL_JITTER),
        env.positiveLong("CACHE_MAX_ENTRY_BYTES", CachePolicy.DEFAULT_MAX_ENTRY_BYTES),
        statusTtls(),
        ttlFrom(),
        env.duration("CACHE_MAX_TTL", CachePolicy.DEFAULT_MAX_TTL));
  }

  /** {@code CACHE_STATUSES}: the 4xx statuses cached, with their TTLs. */
  private Map<Integer, Duration> statusTtls() {
    String raw = env.value("CACHE_STATUSES").orElse(StatusTtls.DEFAULT_TEXT);
    try {
      return StatusTtls.parse(raw);
    } catch (IllegalArgumentException e) {
      throw new ConfigException("CACHE_STATUSES " + e.getMessage() + ", was '" + raw + "'");
    }
  }

  private CachePolicy.TtlFrom ttlFrom() {
    return env.value("CACHE_TTL_FROM")
        .map(value -> Words.parse("CACHE_TTL_FROM", value, CachePolicy.TtlFrom.class))
        .orElse(CachePolicy.DEFAULT_TTL_FROM);
  }

  /** How every route calls its upstream unless it says otherwise. */
  private UpstreamConfig upstream() {
    int concurrency =
        env.integer("UPSTREAM_MAX_CONCURRENCY", UpstreamConfig.DEFAULT_MAX_CONCURRENCY);
    if (concurrency < 1) {
      throw new ConfigException("UPSTREAM_MAX_CONCURRENCY must be positive, was " + concurrency);
    }
    int queue = env.integer("UPSTREAM_MAX_QUEUE", UpstreamConfig.DEFAULT_MAX_QUEUE);
    if (queue < 0) {
      throw new ConfigException("UPSTREAM_MAX_QUEUE must not be negative, was " + queue);
    }
    Optional<String> tlsCa = env.value("UPSTREAM_TLS_CA");
    if (tlsCa.isPresent() && !Files.isReadable(Path.of(tlsCa.get()))) {
      throw new ConfigException(
          "UPSTREAM_TLS_CA must be a readable PEM file, was '" + tlsCa.get() + "'");
    }
    return new UpstreamConfig(
            env.duration("UPSTREAM_TIMEOUT", UpstreamConfig.DEFAULT_TIMEOUT),
            concurrency,
            queue,
            env.duration(
                "UPSTREAM_KEEP_ALIVE",
                UpstreamConfig.DEFAULT_KEEP_ALIVE,
                Durations.Range.WHOLE_SECONDS))
        .withTlsCaFile(tlsCa.orElse(""))
        .withEncoding(
            env.value("UPSTREAM_ENCODING")
                .map(
                    value -> Words.parse("UPSTREAM_ENCODING", value, UpstreamConfig.Encoding.class))
                .orElse(UpstreamConfig.DEFAULT_ENCODING));
  }

  /** The built-in route: the universities API at {@code UNIVERSITIES_API_URL}. */
  private RouteConfig universities() {
    URI base = env.url("UNIVERSITIES_API_URL", Routes.DEFAULT_UNIVERSITIES_URL);
    if (!("http".equals(base.getScheme()) || "https".equals(base.getScheme()))
        || base.getHost() == null) {
      throw new ConfigException(
          "UNIVERSITIES_API_URL must be an absolute http or https URL, was '" + base + "'");
    }
    if (base.getRawQuery() != null || base.getRawFragment() != null) {
      throw new ConfigException(
          "UNIVERSITIES_API_URL must have no query or fragment, was '" + base + "'");
    }
    return new RouteConfig(
        Routes.universities(base),
        policy("UNIVERSITIES_CACHE_TIMEOUT", CachePolicy.DEFAULT_TTL),
        upstream().withRateLimit(RateLimits.read(env.value("UPSTREAM_RATE_LIMIT"))));
  }

  /** The routes of the file at {@code path}, which replace the built-in route. */
  private List<RouteConfig> routesFile(String path, CachePolicy defaults) {
    for (String builtInOnly :
        List.of("UNIVERSITIES_API_URL", "UNIVERSITIES_CACHE_TIMEOUT", "UPSTREAM_RATE_LIMIT")) {
      if (env.value(builtInOnly).isPresent()) {
        throw new ConfigException(
            builtInOnly
                + " applies to the built-in route only, and CACHEGATE_ROUTES replaces it with "
                + path
                + ": set the route's upstream, ttl or upstreamRateLimit in that file instead");
      }
    }
    String text;
    try {
      text = Files.readString(Path.of(path));
    } catch (IOException | RuntimeException e) {
      throw new ConfigException("CACHEGATE_ROUTES: cannot read " + path + ": " + e);
    }
    return RoutesFile.parse(path, text, defaults, upstream(), env::warn, secrets);
  }

  /** {@code CACHE_REDIS_URL} wins over host, port and db; its password over the separate one. */
}
