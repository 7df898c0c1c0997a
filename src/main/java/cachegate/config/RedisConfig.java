package cachegate.config;

import cachegate.engine.DurationText;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.stream.Collectors;

/**
 * How to reach Redis: one server, a Redis Cluster, or the master that Redis Sentinel names. {@link
 * #toString()} and {@link #describe()} never show the password.
 *
 * @param host host name or address of the one server (with a cluster or sentinels: the first node)
 * @param port TCP port of the one server (with a cluster or sentinels: the first node's)
 * @param database logical database number ({@code SELECT}); always 0 with a cluster
 * @param username ACL user name, empty for the default user
 * @param password password, empty for none; with sentinels, the master's (sentinels need none)
 * @param transport plain TCP or TLS
 * @param timeout how long one Redis command may take before it counts as failed
 * @param tlsCaFile a PEM file of the certificate authorities to trust for TLS, empty for the JVM's
 * @param topology one server, a cluster, or sentinels
 * @param nodes the cluster's seed nodes or the sentinels; empty for one server
 * @param masterName the name the sentinels know the master by; used with sentinels only
 */
public record RedisConfig(
    String host,
    int port,
    int database,
    String username,
    String password,
    Transport transport,
    Duration timeout,
    String tlsCaFile,
    Topology topology,
    List<Node> nodes,
    String masterName) {
  public static final String DEFAULT_HOST = "localhost";
  public static final int DEFAULT_PORT = 6379;
  public static final int DEFAULT_DATABASE = 0;
  public static final Duration DEFAULT_TIMEOUT = Duration.ofMillis(100);

  /** The master name flask-caching's sentinel cache assumes. */
  public static final String DEFAULT_SENTINEL_MASTER = "mymaster";

  /** How the connection is carried. */
  public enum Transport {
    PLAIN,
    TLS
  }

  /** How the Redis servers are arranged. */
  public enum Topology {
    /** One server ({@code CACHE_REDIS_URL} or host, port and db). */
    STANDALONE,
    /** A Redis Cluster reached through its seed nodes ({@code CACHE_REDIS_CLUSTER}). */
    CLUSTER,
    /** The master that Redis Sentinel names ({@code CACHE_REDIS_SENTINELS}). */
    SENTINEL
  }

  /**
   * One Redis node's address.
   *
   * @param host host name or address
   * @param port TCP port
   */
  public record Node(String host, int port) {
    public Node {
      Objects.requireNonNull(host, "host");
      if (host.isBlank()) {
        throw new ConfigException("Redis node host must not be blank");
      }
      if (port < 1 || port > 65535) {
        throw new ConfigException(
            "Redis node " + host + " port must be between 1 and 65535, was " + port);
      }
    }

    @Override
    public String toString() {
      return host.contains(":") ? "[" + host + "]:" + port : host + ":" + port;
    }
  }

  public RedisConfig {
    Objects.requireNonNull(tlsCaFile, "tlsCaFile");
    Objects.requireNonNull(host, "host");
    Objects.requireNonNull(username, "username");
    Objects.requireNonNull(password, "password");
    Objects.requireNonNull(transport, "transport");
    Objects.requireNonNull(timeout, "timeout");
    Objects.requireNonNull(topology, "topology");
    Objects.requireNonNull(masterName, "masterName");
    nodes = List.copyOf(nodes);
    if (host.isBlank()) {
      throw new ConfigException("CACHE_REDIS_HOST must not be blank");
    }
    if (port < 1 || port > 65535) {
      throw new ConfigException("CACHE_REDIS_PORT must be between 1 and 65535, was " + port);
    }
    if (database < 0) {
      throw new ConfigException("CACHE_REDIS_DB must not be negative, was " + database);
    }
    if (timeout.isNegative() || timeout.isZero()) {
      throw new ConfigException(
          "CACHE_REDIS_TIMEOUT must be positive, was " + DurationText.of(timeout));
    }
    switch (topology) {
      case STANDALONE -> {
        if (!nodes.isEmpty()) {
          throw new ConfigException("one Redis server takes no node list, was " + nodes);
        }
      }
      case CLUSTER -> {
        if (nodes.isEmpty()) {
          throw new ConfigException("CACHE_REDIS_CLUSTER must name at least one host:port");
        }
        if (database != 0) {
          throw new ConfigException(
              "CACHE_REDIS_DB must be 0 with a Redis Cluster (it has database 0 only), was "
                  + database);
        }
      }
      case SENTINEL -> {
        if (nodes.isEmpty()) {
          throw new ConfigException("CACHE_REDIS_SENTINELS must name at least one host:port");
        }
        if (masterName.isBlank()) {
          throw new ConfigException("CACHE_REDIS_SENTINEL_MASTER must not be blank");
        }
      }
    }
  }

  /** One server; TLS trusts the JVM's certificate authorities. */
  public RedisConfig(
      String host,
      int port,
      int database,
      String username,
      String password,
      Transport transport,
      Duration timeout) {
    this(host, port, database, username, password, transport, timeout, "");
  }

  /** One server. */
  public RedisConfig(
      String host,
      int port,
      int database,
      String username,
      String password,
      Transport transport,
      Duration timeout,
      String tlsCaFile) {
    this(
        host,
        port,
        database,
        username,
        password,
        transport,
        timeout,
        tlsCaFile,
        Topology.STANDALONE,
        List.of(),
        DEFAULT_SENTINEL_MASTER);
  }

  /**
   * A Redis Cluster reached through {@code nodes} (seed nodes), or the master the sentinels {@code
   * nodes} name {@code masterName} (ignored for a cluster). The first node stands in as host and
   * port; TLS, trusting {@code tlsCaFile}, when that is given.
   */
  public static RedisConfig ofNodes(
      Topology topology,
      List<Node> nodes,
      String masterName,
      int database,
      String password,
      String tlsCaFile,
      Duration timeout) {
    Node first = nodes.isEmpty() ? new Node(DEFAULT_HOST, DEFAULT_PORT) : nodes.get(0);
    return new RedisConfig(
        first.host(),
        first.port(),
        database,
        "",
        password,
        tlsCaFile.isEmpty() ? Transport.PLAIN : Transport.TLS,
        timeout,
        tlsCaFile,
        topology,
        nodes,
        masterName);
  }

  public boolean hasPassword() {
    return !password.isEmpty();
  }

  /**
   * Where Redis is, as a URL with the password masked, for logs and {@code /health}: {@code
   * redis://host:port/db}, {@code redis-cluster://node,node} or {@code
   * redis-sentinel://sentinel,sentinel/db#master} ({@code rediss} with TLS).
   */
  public String describe() {
    String auth = hasPassword() ? (username.isEmpty() ? "" : username) + ":***@" : "";
    String scheme = transport == Transport.TLS ? "rediss" : "redis";
    String list = nodes.stream().map(Node::toString).collect(Collectors.joining(","));
    return switch (topology) {
      case STANDALONE -> scheme + "://" + auth + host + ":" + port + "/" + database;
      case CLUSTER -> scheme + "-cluster://" + auth + list;
      case SENTINEL -> scheme + "-sentinel://" + auth + list + "/" + database + "#" + masterName;
    };
  }

  @Override
  public String toString() {
    return "RedisConfig[" + describe() + ", timeout=" + DurationText.of(timeout) + "]";
  }
}
