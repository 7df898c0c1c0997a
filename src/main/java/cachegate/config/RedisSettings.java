package cachegate.config;

import cachegate.config.RedisConfig.Node;
import cachegate.config.RedisConfig.Topology;
import cachegate.config.RedisConfig.Transport;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Where Redis is, read from the {@code CACHE_REDIS_*} variables: one server by URL or by host, port
 * and db (with a warning when both are set and disagree), or a cluster's or sentinels' nodes.
 */
final class RedisSettings {
  private RedisSettings() {}

  static RedisConfig server(Env env) {
    Duration timeout = env.duration("CACHE_REDIS_TIMEOUT", RedisConfig.DEFAULT_TIMEOUT);
    String password = env.value("CACHE_REDIS_PASSWORD").orElse("");
    Optional<String> url = env.value("CACHE_REDIS_URL");
    if (url.isEmpty()) {
      return new RedisConfig(
          env.value("CACHE_REDIS_HOST").orElse(RedisConfig.DEFAULT_HOST),
          env.integer("CACHE_REDIS_PORT", RedisConfig.DEFAULT_PORT),
          env.integer("CACHE_REDIS_DB", RedisConfig.DEFAULT_DATABASE),
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
      database = Env.parseInt("CACHE_REDIS_URL database", path);
    }
    int port = uri.getPort() == -1 ? RedisConfig.DEFAULT_PORT : uri.getPort();
    RedisConfig redis =
        new RedisConfig(
            uri.getHost(), port, database, username, password, transport, timeout, tlsCaFile(env));
    warnIfOverruled(env, redis, userInfo != null);
    return redis;
  }

  /**
   * Warns when host, port, db or password are set beside {@code CACHE_REDIS_URL} and say something
   * else: the URL wins, so an edit to them (the tutorial's {@code .env} sets both) would change
   * nothing without a word.
   */
  private static void warnIfOverruled(Env env, RedisConfig fromUrl, boolean urlHasPassword) {
    List<String> overruled = new ArrayList<>();
    env.value("CACHE_REDIS_HOST")
        .filter(host -> !unbracketed(host).equalsIgnoreCase(unbracketed(fromUrl.host())))
        .ifPresent(host -> overruled.add("CACHE_REDIS_HOST=" + host));
    env.value("CACHE_REDIS_PORT")
        .filter(port -> !port.equals(String.valueOf(fromUrl.port())))
        .ifPresent(port -> overruled.add("CACHE_REDIS_PORT=" + port));
    env.value("CACHE_REDIS_DB")
        .filter(db -> !db.equals(String.valueOf(fromUrl.database())))
        .ifPresent(db -> overruled.add("CACHE_REDIS_DB=" + db));
    env.value("CACHE_REDIS_PASSWORD")
        .filter(password -> urlHasPassword && !password.equals(fromUrl.password()))
        .ifPresent(password -> overruled.add("CACHE_REDIS_PASSWORD (another password)"));
    if (!overruled.isEmpty()) {
      env.warn(
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
  static RedisConfig topology(Env env, Topology topology) {
    boolean cluster = topology == Topology.CLUSTER;
    List<Node> nodes =
        cluster
            ? nodes(env, "CACHE_REDIS_CLUSTER", "redis-cluster")
            : nodes(env, "CACHE_REDIS_SENTINELS", "redis-sentinel");
    String tlsCa = tlsCaFile(env);
    return RedisConfig.ofNodes(
        topology,
        nodes,
        cluster
            ? RedisConfig.DEFAULT_SENTINEL_MASTER
            : env.value("CACHE_REDIS_SENTINEL_MASTER").orElse(RedisConfig.DEFAULT_SENTINEL_MASTER),
        env.integer("CACHE_REDIS_DB", RedisConfig.DEFAULT_DATABASE),
        env.value("CACHE_REDIS_PASSWORD").orElse(""),
        tlsCa,
        env.duration("CACHE_REDIS_TIMEOUT", RedisConfig.DEFAULT_TIMEOUT));
  }

  /**
   * A required comma-separated list of {@code host:port} ({@code [v6:address]:port} for IPv6
   * addresses), for {@code CACHE_TYPE=<type>}.
   */
  private static List<Node> nodes(Env env, String name, String type) {
    String list =
        env.value(name)
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
  private static String tlsCaFile(Env env) {
    Optional<String> file = env.value("CACHE_REDIS_TLS_CA");
    if (file.isPresent() && !Files.isReadable(Path.of(file.get()))) {
      throw new ConfigException(
          "CACHE_REDIS_TLS_CA must be a readable PEM file, was '" + file.get() + "'");
    }
    return file.orElse("");
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
