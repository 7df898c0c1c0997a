package cachegate.support;

import cachegate.config.RedisConfig;
import cachegate.config.RedisConfig.Topology;
import cachegate.store.RedisStore;
import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;
import org.awaitility.Awaitility;

/**
 * A real Redis master, its replica and three sentinels on loopback, started by the tests from the
 * {@code redis-server} binary (see {@link RedisServer}) in a temporary folder, and removed by
 * {@link #close()}. Sentinels count the master as down after {@link #DOWN_AFTER}, so a failover
 * takes a few seconds.
 */
public final class RedisSentinels implements AutoCloseable {
  /** The name the sentinels know the master by (flask-caching's default). */
  public static final String MASTER_NAME = "mymaster";

  /** {@code down-after-milliseconds}: how long until a silent master counts as down. */
  static final Duration DOWN_AFTER = Duration.ofMillis(1_000);

  private static final Duration READY = Duration.ofSeconds(30);

  private final Path dir;
  private final List<RedisNode> servers = new ArrayList<>();
  private final List<RedisNode> sentinels = new ArrayList<>();

  private RedisSentinels(Path dir) {
    this.dir = dir;
  }

  /** Starts master, replica and sentinels, and waits until every sentinel sees all of them. */
  public static RedisSentinels start() {
    RedisSentinels topology;
    try {
      topology = new RedisSentinels(Files.createTempDirectory("cachegate-sentinel-"));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    try {
      Runtime.getRuntime().addShutdownHook(new Thread(topology::close, "redis-sentinel-cleanup"));
      List<Integer> ports = RedisNode.freePorts(5);
      int master = ports.get(0);
      topology.servers.add(RedisNode.start(topology.dir, master, server(master)));
      List<String> replica = new ArrayList<>(server(ports.get(1)));
      replica.addAll(List.of("--replicaof", "127.0.0.1", String.valueOf(master)));
      topology.servers.add(RedisNode.start(topology.dir, ports.get(1), replica));
      for (int port : ports.subList(2, 5)) {
        topology.sentinels.add(
            RedisNode.start(topology.dir, port, topology.sentinel(port, master)));
      }
      topology.awaitReady();
      return topology;
    } catch (RuntimeException e) {
      topology.close();
      throw e;
    }
  }

  private static List<String> server(int port) {
    return List.of(
        "--port", String.valueOf(port),
        "--bind", "127.0.0.1",
        "--save", "",
        "--appendonly", "no");
  }

  private List<String> sentinel(int port, int master) {
    Path conf = dir.resolve("sentinel-" + port + ".conf");
    String text =
        String.join(
            "\n",
            "port " + port,
            "bind 127.0.0.1",
            "dir " + dir,
            "sentinel monitor " + MASTER_NAME + " 127.0.0.1 " + master + " 2",
            "sentinel down-after-milliseconds " + MASTER_NAME + " " + DOWN_AFTER.toMillis(),
            "sentinel failover-timeout " + MASTER_NAME + " 3000",
            "sentinel parallel-syncs " + MASTER_NAME + " 1",
            "");
    try {
      Files.writeString(conf, text);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return List.of(conf.toString(), "--sentinel");
  }

  /** What cachegate's {@code CACHE_REDIS_SENTINELS} takes. */
  public String sentinelList() {
    return String.join(",", sentinels.stream().map(RedisNode::address).toList());
  }

  /**
   * A {@link RedisStore} on the master: 2 s command timeout, on the system clock (so an opened
   * circuit breaker closes again after a failover).
   */
  public RedisStore store() {
    List<RedisConfig.Node> nodes =
        sentinels.stream().map(n -> new RedisConfig.Node("127.0.0.1", n.port())).toList();
    return new RedisStore(
        RedisConfig.ofNodes(
            Topology.SENTINEL, nodes, MASTER_NAME, 0, "", "", Duration.ofSeconds(2)),
        InstantSource.system());
  }

  /** The master's port, as the first sentinel reports it ({@code INFO sentinel}). */
  public int masterPort() {
    return masterPortFrom(sentinels.get(0));
  }

  /**
   * Kills (SIGKILL) the master and waits until every sentinel names the replica as master and the
   * replica says it is one; returns the new master's port.
   */
  public int killMaster() {
    int old = masterPort();
    node(old).kill();
    Awaitility.await("sentinels promote the replica of " + old)
        .atMost(READY)
        .pollInterval(Duration.ofMillis(100))
        .ignoreExceptions()
        .until(
            () -> {
              int now = masterPort();
              return now != old
                  && node(now).sync().info("replication").contains("role:master")
                  && sentinels.stream().allMatch(s -> masterPortFrom(s) == now);
            });
    return masterPort();
  }

  /** Keys matching {@code pattern} on the current master ({@code KEYS}: test data only). */
  public List<String> keys(String pattern) {
    return node(masterPort()).sync().keys(pattern);
  }

  /** Empties the master (the replica follows). */
  public void flushAll() {
    node(masterPort()).sync().flushall();
  }

  @Override
  public void close() {
    sentinels.forEach(RedisNode::close);
    servers.forEach(RedisNode::close);
    try (Stream<Path> files = Files.walk(dir)) {
      files.sorted(Comparator.reverseOrder()).map(Path::toFile).forEach(File::delete);
    } catch (IOException ignored) {
      // a leftover temporary folder is harmless
    }
  }

  /** Every sentinel knows the replica and the two other sentinels; the replica is in sync. */
  private void awaitReady() {
    Awaitility.await("sentinels see the master, its replica and each other")
        .atMost(READY)
        .pollInterval(Duration.ofMillis(100))
        .ignoreExceptions()
        .until(
            () ->
                servers.get(1).sync().info("replication").contains("master_link_status:up")
                    && sentinels.stream()
                        .allMatch(
                            s -> {
                              String info = s.sync().info("sentinel");
                              return info.contains("slaves=1") && info.contains("sentinels=3");
                            }));
  }

  private int masterPortFrom(RedisNode sentinel) {
    String info = sentinel.sync().info("sentinel");
    int at = info.indexOf("address=127.0.0.1:");
    String rest = info.substring(at + "address=127.0.0.1:".length());
    return Integer.parseInt(rest.substring(0, rest.indexOf(',')));
  }

  private RedisNode node(int port) {
    return servers.stream()
        .filter(n -> n.port() == port)
        .findFirst()
        .orElseThrow(() -> new IllegalArgumentException("no server on port " + port));
  }
}
