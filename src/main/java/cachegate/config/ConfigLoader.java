package cachegate.config;

import cachegate.config.RedisConfig.Node;
import cachegate.config.RedisConfig.Topology;
import cachegate.config.RedisConfig.Transport;
import cachegate.engine.CachePolicy;
import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Builds a {@link GatewayConfig} from environment variables. Pure: the app passes {@code
 * System.getenv()} merged with {@code .env}, tests pass a map. Blank values count as unset. Every
 * problem is a {@link ConfigException} naming the variable and its value.
 *
 * <p>Longer than most classes because it is the one list of every variable ({@link #VARIABLES},
 * checked against the README's table) with its parsing, a few lines each, read top to bottom.
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
              "CACHE_MAX_ENTRY_BYTES", String.valueOf(CachePolicy.DEFAULT_MAX_ENTRY_BYTES)),
          new Variable("CACHE_STALE_WHILE_REVALIDATE", "60"),
          new Variable("CACHE_STALE_IF_ERROR", "86400"),
          new Variable("CACHE_TTL_JITTER", String.valueOf(CachePolicy.DEFAULT_TTL_JITTER)),
          new Variable("CACHEGATE_ROUTES", "none"),
          new Variable("UNIVERSITIES_API_URL", Routes.DEFAULT_UNIVERSITIES_URL.toString()),
          new Variable("UNIVERSITIES_CACHE_TIMEOUT", "30"),
          new Variable("UPSTREAM_TIMEOUT", "10"),
          new Variable(
              "UPSTREAM_MAX_CONCURRENCY", String.valueOf(UpstreamConfig.DEFAULT_MAX_CONCURRENCY)),
          new Variable("UPSTREAM_MAX_QUEUE", String.valueOf(UpstreamConfig.DEFAULT_MAX_QUEUE)),
          new Variable("UPSTREAM_KEEP_ALIVE", "4"),
          new Variable(
              "UPSTREAM_MAX_BODY_BYTES",
              String.valueOf(GatewayConfig.DEFAULT_UPSTREAM_MAX_BODY_BYTES)),
          new Variable(
              "UPSTREAM_BUFFER_BYTES", String.valueOf(GatewayConfig.DEFAULT_UPSTREAM_BUFFER_BYTES)),
          new Variable("CACHEGATE_ADMIN_TOKEN", "none"));

  private final Map<String, String> env;

  /** What looks wrong but is allowed, in the order found; a setting read twice warns once. */
  private final Set<String> warnings = new LinkedHashSet<>();

  private ConfigLoader(Map<String, String> env) {
    this.env = env;
  }

  /** Reads every variable in {@link #VARIABLES} from {@code env}. */
  public static GatewayConfig from(Map<String, String> env) {
    return new ConfigLoader(env).load();
  }

  private GatewayConfig load() {
    ServerConfig server =
        new ServerConfig(
            integer("PORT", ServerConfig.DEFAULT_PORT),
            duration("CLIENT_HEADER_TIMEOUT", ServerConfig.DEFAULT_HEADER_TIMEOUT),
            duration("CLIENT_IDLE_TIMEOUT", ServerConfig.DEFAULT_IDLE_TIMEOUT),
            duration("CLIENT_SEND_TIMEOUT", ServerConfig.DEFAULT_SEND_TIMEOUT),
            integer("CLIENT_MAX_CONNECTIONS", ServerConfig.DEFAULT_MAX_CONNECTIONS));
    CacheType cacheType;
    String reason;
    Optional<String> declared = value("CACHE_TYPE");
    boolean cluster = value("CACHE_REDIS_CLUSTER").isPresent();
    boolean sentinels = value("CACHE_REDIS_SENTINELS").isPresent();
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
    } else if (value("CACHE_REDIS_URL").isPresent() || value("CACHE_REDIS_HOST").isPresent()) {
      cacheType = CacheType.REDIS;
      reason = "CACHE_TYPE unset, Redis configured";
    } else {
      cacheType = CacheType.SIMPLE;
      reason = "no cache configured (CACHE_TYPE and CACHE_REDIS_* unset): in-process cache only";
    }
    RedisConfig redis =
        switch (cacheType) {
          case REDIS_CLUSTER -> topology(Topology.CLUSTER);
          case REDIS_SENTINEL -> topology(Topology.SENTINEL);
          case REDIS, SIMPLE, NULL -> redis();
        };
    Optional<String> routesFile = value("CACHEGATE_ROUTES");
    CachePolicy routeDefaults = policy("CACHE_DEFAULT_TIMEOUT", DEFAULT_ROUTE_TTL);
    return new GatewayConfig(
        server,
        cacheType,
        reason,
        redis,
        routesFile.isPresent()
            ? routesFile(routesFile.get(), routeDefaults)
            : List.of(universities()),
        routesFile.orElse("built-in universities route"),
        value("CACHE_KEY_PREFIX").orElse(GatewayConfig.DEFAULT_KEY_PREFIX),
        longInteger("CACHE_LOCAL_MAX_BYTES", GatewayConfig.DEFAULT_LOCAL_MAX_BYTES),
        positiveLong("UPSTREAM_MAX_BODY_BYTES", GatewayConfig.DEFAULT_UPSTREAM_MAX_BODY_BYTES),
        positiveLong("UPSTREAM_BUFFER_BYTES", GatewayConfig.DEFAULT_UPSTREAM_BUFFER_BYTES),
        value("CACHEGATE_ADMIN_TOKEN").orElse(""),
        List.copyOf(warnings));
  }

  /** The cache settings every route starts from, with {@code ttl} for its TTL. */
  private CachePolicy policy(String ttlVariable, Duration ttl) {
    return new CachePolicy(
        duration(ttlVariable, ttl),
        window("CACHE_STALE_WHILE_REVALIDATE", CachePolicy.DEFAULT_STALE_WHILE_REVALIDATE),
        window("CACHE_STALE_IF_ERROR", CachePolicy.DEFAULT_STALE_IF_ERROR),
        fraction("CACHE_TTL_JITTER", CachePolicy.DEFAULT_TTL_JITTER),
        positiveLong("CACHE_MAX_ENTRY_BYTES", CachePolicy.DEFAULT_MAX_ENTRY_BYTES));
  }

  /** How every route calls its upstream unless it says otherwise. */
  private UpstreamConfig upstream() {
    int concurrency = integer("UPSTREAM_MAX_CONCURRENCY", UpstreamConfig.DEFAULT_MAX_CONCURRENCY);
    if (concurrency < 1) {
      throw new ConfigException("UPSTREAM_MAX_CONCURRENCY must be positive, was " + concurrency);
    }
    int queue = integer("UPSTREAM_MAX_QUEUE", UpstreamConfig.DEFAULT_MAX_QUEUE);
    if (queue < 0) {
      throw new ConfigException("UPSTREAM_MAX_QUEUE must not be negative, was " + queue);
    }
    return new UpstreamConfig(
        duration("UPSTREAM_TIMEOUT", UpstreamConfig.DEFAULT_TIMEOUT),
        concurrency,
        queue,
        duration(
            "UPSTREAM_KEEP_ALIVE",
            UpstreamConfig.DEFAULT_KEEP_ALIVE,
            Durations.Range.WHOLE_SECONDS));
  }

  /** The built-in route: the universities API at {@code UNIVERSITIES_API_URL}. */
  private RouteConfig universities() {
    URI base = url("UNIVERSITIES_API_URL", Routes.DEFAULT_UNIVERSITIES_URL);
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
        upstream());
  }

  /** The routes of the file at {@code path}, which replace the built-in route. */
  private List<RouteConfig> routesFile(String path, CachePolicy defaults) {
    for (String builtInOnly : List.of("UNIVERSITIES_API_URL", "UNIVERSITIES_CACHE_TIMEOUT")) {
      if (value(builtInOnly).isPresent()) {
        throw new ConfigException(
            builtInOnly
                + " applies to the built-in route only, and CACHEGATE_ROUTES replaces it with "
                + path
                + ": set the route's upstream or ttl in that file instead");
      }
    }
    String text;
    try {
      text = Files.readString(Path.of(path));
    } catch (IOException | RuntimeException e) {
      throw new ConfigException("CACHEGATE_ROUTES: cannot read " + path + ": " + e);
    }
    return RoutesFile.parse(path, text, defaults, upstream(), warnings::add);
  }

  /** {@code CACHE_REDIS_URL} wins over host, port and db; its password over the separate one. */
  private RedisConfig redis() {
    Duration timeout = duration("CACHE_REDIS_TIMEOUT", RedisConfig.DEFAULT_TIMEOUT);
    String password = value("CACHE_REDIS_PASSWORD").orElse("");
    Optional<String> url = value("CACHE_REDIS_URL");
    if (url.isEmpty()) {
      return new RedisConfig(
          value("CACHE_REDIS_HOST").orElse(RedisConfig.DEFAULT_HOST),
          integer("CACHE_REDIS_PORT", RedisConfig.DEFAULT_PORT),
          integer("CACHE_REDIS_DB", RedisConfig.DEFAULT_DATABASE),
          "",
          password,
          Transport.PLAIN,
          timeout,
          "");
    }
    URI uri;
    try {
      uri = new URI(url.get());
    } catch (URISyntaxException e) {
      throw new ConfigException(
          "CACHE_REDIS_URL is not a valid URL, was '" + masked(url.get()) + "'");
    }
    Transport transport;
    if ("redis".equals(uri.getScheme())) {
      transport = Transport.PLAIN;
    } else if ("rediss".equals(uri.getScheme())) {
      transport = Transport.TLS;
    } else {
      throw new ConfigException(
          "CACHE_REDIS_URL must start with redis:// or rediss://, was '" + masked(url.get()) + "'");
    }
    if (uri.getHost() == null) {
      throw new ConfigException(
          "CACHE_REDIS_URL must name a host, was '" + masked(url.get()) + "'");
    }
    String username = "";
    String userInfo = uri.getRawUserInfo();
    if (userInfo != null) {
      int colon = userInfo.indexOf(':');
      username = decode(colon < 0 ? "" : userInfo.substring(0, colon));
      password = decode(colon < 0 ? userInfo : userInfo.substring(colon + 1));
    }
    String path = uri.getPath() == null ? "" : uri.getPath().replaceFirst("^/", "");
    int database = RedisConfig.DEFAULT_DATABASE;
    if (!path.isEmpty()) {
      database = parseInt("CACHE_REDIS_URL database", path);
    }
    int port = uri.getPort() == -1 ? RedisConfig.DEFAULT_PORT : uri.getPort();
    RedisConfig redis =
        new RedisConfig(
            uri.getHost(), port, database, username, password, transport, timeout, tlsCaFile());
    warnIfOverruled(redis, userInfo != null);
    return redis;
  }

  /**
   * Warns when host, port, db or password are set beside {@code CACHE_REDIS_URL} and say something
   * else: the URL wins, so an edit to them (the tutorial's {@code .env} sets both) would change
   * nothing without a word.
   */
  private void warnIfOverruled(RedisConfig fromUrl, boolean urlHasPassword) {
    List<String> overruled = new ArrayList<>();
    value("CACHE_REDIS_HOST")
        .filter(host -> !unbracketed(host).equalsIgnoreCase(unbracketed(fromUrl.host())))
        .ifPresent(host -> overruled.add("CACHE_REDIS_HOST=" + host));
    value("CACHE_REDIS_PORT")
        .filter(port -> !port.equals(String.valueOf(fromUrl.port())))
        .ifPresent(port -> overruled.add("CACHE_REDIS_PORT=" + port));
    value("CACHE_REDIS_DB")
        .filter(db -> !db.equals(String.valueOf(fromUrl.database())))
        .ifPresent(db -> overruled.add("CACHE_REDIS_DB=" + db));
    value("CACHE_REDIS_PASSWORD")
        .filter(password -> urlHasPassword && !password.equals(fromUrl.password()))
        .ifPresent(password -> overruled.add("CACHE_REDIS_PASSWORD (another password)"));
    if (!overruled.isEmpty()) {
      warnings.add(
          "CACHE_REDIS_URL disagrees with "
              + String.join(" and ", overruled)
              + ": CACHE_REDIS_URL wins, so cachegate uses Redis at "
              + fromUrl.describe()
              + " and ignores "
              + (overruled.size() == 1 ? "it" : "them")
              + "; unset one or the other");
    }
  }

  private static String unbracketed(String host) {
    return host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
  }

  /**
   * A cluster ({@code CACHE_REDIS_CLUSTER}: seed nodes, the cluster tells the rest; database 0
   * only) or the master sentinels name ({@code CACHE_REDIS_SENTINELS}, {@code
   * CACHE_REDIS_SENTINEL_MASTER}). TLS to every node when {@code CACHE_REDIS_TLS_CA} is set.
   */
  private RedisConfig topology(Topology topology) {
    boolean cluster = topology == Topology.CLUSTER;
    List<Node> nodes =
        cluster
            ? nodes("CACHE_REDIS_CLUSTER", "redis-cluster")
            : nodes("CACHE_REDIS_SENTINELS", "redis-sentinel");
    String tlsCa = tlsCaFile();
    return RedisConfig.ofNodes(
        topology,
        nodes,
        cluster
            ? RedisConfig.DEFAULT_SENTINEL_MASTER
            : value("CACHE_REDIS_SENTINEL_MASTER").orElse(RedisConfig.DEFAULT_SENTINEL_MASTER),
        integer("CACHE_REDIS_DB", RedisConfig.DEFAULT_DATABASE),
        value("CACHE_REDIS_PASSWORD").orElse(""),
        tlsCa,
        duration("CACHE_REDIS_TIMEOUT", RedisConfig.DEFAULT_TIMEOUT));
  }

  /**
   * A required comma-separated list of {@code host:port} ({@code [v6:address]:port} for IPv6
   * addresses), for {@code CACHE_TYPE=<type>}.
   */
  private List<Node> nodes(String name, String type) {
    String list =
        value(name)
            .orElseThrow(
                () ->
                    new ConfigException(
                        name
                            + " must list the nodes as host:port,host:port with CACHE_TYPE="
                            + type
                            + ", was unset"));
    List<Node> nodes = new ArrayList<>();
    for (String item : list.split(",", -1)) {
      String text = item.strip();
      int colon = text.lastIndexOf(':');
      String host = colon < 0 ? "" : text.substring(0, colon);
      boolean valid = host.matches("[A-Za-z0-9._-]+");
      if (host.matches("\\[[0-9A-Fa-f:.]+]")) {
        host = host.substring(1, host.length() - 1);
        valid = true;
      }
      int port = colon < 0 ? -1 : portOrMinusOne(text.substring(colon + 1));
      if (!valid || port < 1 || port > 65535) {
        throw new ConfigException(
            name
                + " must be a comma-separated list of host:port (port 1 to 65535), but '"
                + text
                + "' is not; was '"
                + list
                + "'");
      }
      nodes.add(new Node(host, port));
    }
    return nodes;
  }

  private static int portOrMinusOne(String text) {
    try {
      return Integer.parseInt(text);
    } catch (NumberFormatException e) {
      return -1;
    }
  }

  /** {@code CACHE_REDIS_TLS_CA}: a PEM file that must exist when given. */
  private String tlsCaFile() {
    Optional<String> file = value("CACHE_REDIS_TLS_CA");
    if (file.isPresent() && !Files.isReadable(Path.of(file.get()))) {
      throw new ConfigException(
          "CACHE_REDIS_TLS_CA must be a readable PEM file, was '" + file.get() + "'");
    }
    return file.orElse("");
  }

  private Optional<String> value(String name) {
    String value = env.get(name);
    return value == null || value.isBlank() ? Optional.empty() : Optional.of(value.strip());
  }

  private int integer(String name, int defaultValue) {
    return value(name).map(v -> parseInt(name, v)).orElse(defaultValue);
  }

  private long longInteger(String name, long defaultValue) {
    return value(name)
        .map(
            v -> {
              try {
                return Long.parseLong(v);
              } catch (NumberFormatException e) {
                throw new ConfigException(name + " must be an integer, was '" + v + "'");
              }
            })
        .orElse(defaultValue);
  }

  private static int parseInt(String name, String value) {
    try {
      return Integer.parseInt(value);
    } catch (NumberFormatException e) {
      throw new ConfigException(name + " must be an integer, was '" + value + "'");
    }
  }

  private long positiveLong(String name, long defaultValue) {
    long value = longInteger(name, defaultValue);
    if (value < 1) {
      throw new ConfigException(name + " must be positive, was " + value);
    }
    return value;
  }

  private double fraction(String name, double defaultValue) {
    Optional<String> raw = value(name);
    if (raw.isEmpty()) {
      return defaultValue;
    }
    try {
      double parsed = Double.parseDouble(raw.get());
      if (parsed >= 0 && parsed < 1) {
        return parsed;
      }
    } catch (NumberFormatException e) {
      // reported below
    }
    throw new ConfigException(
        name + " must be a fraction from 0 up to (not including) 1, was '" + raw.get() + "'");
  }

  /** A stale window: like {@link #duration}, but 0 (no window) is allowed. */
  private Duration window(String name, Duration defaultValue) {
    return duration(name, defaultValue, Durations.Range.NOT_NEGATIVE);
  }

  /**
   * Seconds as in flask-caching ({@code 30}, {@code 0.5}), or with a unit: {@code 100ms}, {@code
   * 2s}.
   */
  private Duration duration(String name, Duration defaultValue) {
    return duration(name, defaultValue, Durations.Range.POSITIVE);
  }

  private Duration duration(String name, Duration defaultValue, Durations.Range range) {
    Optional<String> raw = value(name);
    if (raw.isEmpty()) {
      return defaultValue;
    }
    Duration parsed;
    try {
      parsed = Durations.parse(raw.get(), range);
    } catch (IllegalArgumentException e) {
      throw new ConfigException(name + " " + e.getMessage() + ", was '" + raw.get() + "'");
    }
    DurationWarnings.check(name, name + "=" + raw.get(), raw.get(), parsed)
        .ifPresent(warnings::add);
    return parsed;
  }

  private URI url(String name, URI defaultValue) {
    Optional<String> raw = value(name);
    if (raw.isEmpty()) {
      return defaultValue;
    }
    try {
      return new URI(raw.get());
    } catch (URISyntaxException e) {
      throw new ConfigException(name + " is not a valid URL, was '" + raw.get() + "'");
    }
  }

  /** Percent-decoding as in URLs, where {@code +} is a literal plus (not a form-encoded space). */
  private static String decode(String text) {
    return URLDecoder.decode(text.replace("+", "%2B"), StandardCharsets.UTF_8);
  }

  /** The URL with any password replaced, so that error messages never leak it. */
  private static String masked(String url) {
    return url.replaceFirst("//.*@", "//***@");
  }
}
