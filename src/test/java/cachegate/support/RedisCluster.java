package cachegate.support;

import cachegate.config.RedisConfig;
import cachegate.config.RedisConfig.Topology;
import cachegate.store.RedisStore;
import io.lettuce.core.cluster.SlotHash;
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
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.awaitility.Awaitility;

/**
 * A real Redis Cluster of 3 masters and 3 replicas on loopback, started by the tests from the
 * {@code redis-server} binary (see {@link RedisServer}) in a temporary folder, and removed by
 * {@link #close()}. It is created with {@code redis-cli --cluster create} when redis-cli is on
 * PATH, else with {@code CLUSTER MEET}, {@code ADDSLOTS} and {@code REPLICATE}. A node that stops
 * answering for {@link #NODE_TIMEOUT} counts as failed, so a failover takes a few seconds.
 */
public final class RedisCluster implements AutoCloseable {
  /** {@code cluster-node-timeout}: how long until a silent node counts as failed. */
  static final Duration NODE_TIMEOUT = Duration.ofMillis(1_000);

  private static final int MASTERS = 3;
  private static final Duration READY = Duration.ofSeconds(30);

  private final Path dir;
  private final List<RedisNode> nodes = new ArrayList<>();

  private RedisCluster(Path dir) {
    this.dir = dir;
  }

  /** Starts 6 nodes, creates the cluster and waits until every node reports it ok. */
  public static RedisCluster start() {
    RedisCluster cluster;
    try {
      cluster = new RedisCluster(Files.createTempDirectory("cachegate-cluster-"));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    try {
      Runtime.getRuntime().addShutdownHook(new Thread(cluster::close, "redis-cluster-cleanup"));
      for (int port : RedisNode.freePorts(2 * MASTERS)) {
        cluster.nodes.add(RedisNode.start(cluster.dir, port, arguments(port)));
      }
      if (redisCli().isPresent()) {
        cluster.createWithRedisCli(redisCli().get());
      } else {
        cluster.createWithCommands();
      }
      cluster.awaitHealthy();
      return cluster;
    } catch (RuntimeException e) {
      cluster.close();
      throw e;
    }
  }

  private static List<String> arguments(int port) {
    return List.of(
        "--port", String.valueOf(port),
        "--bind", "127.0.0.1",
        "--cluster-enabled", "yes",
        "--cluster-config-file", "nodes-" + port + ".conf",
        "--cluster-node-timeout", String.valueOf(NODE_TIMEOUT.toMillis()),
        "--cluster-replica-validity-factor", "0",
        "--save", "",
        "--appendonly", "no");
  }

  /** The seed list cachegate's {@code CACHE_REDIS_CLUSTER} takes: every node. */
  public String seeds() {
    return String.join(",", nodes.stream().map(RedisNode::address).toList());
  }

  /**
   * A {@link RedisStore} on this cluster: 2 s command timeout, on the system clock (so an opened
   * circuit breaker closes again after a failover).
   */
  public RedisStore store() {
    List<RedisConfig.Node> seeds =
        nodes.stream().map(n -> new RedisConfig.Node("127.0.0.1", n.port())).toList();
    return new RedisStore(
        RedisConfig.ofNodes(
            Topology.CLUSTER,
            seeds,
            RedisConfig.DEFAULT_SENTINEL_MASTER,
            0,
            "",
            "",
            Duration.ofSeconds(2)),
        InstantSource.system());
  }

  /** The port of the master that serves {@code key}'s slot now. */
  public int masterOf(String key) {
    int slot = SlotHash.getSlot(key);
    RedisNode any = alive().get(0);
    return any.sync().clusterSlots().stream()
        .map(List.class::cast)
        .filter(range -> slot >= number(range.get(0)) && slot <= number(range.get(1)))
        .map(range -> (int) number(((List<?>) range.get(2)).get(1)))
        .findFirst()
        .orElseThrow(() -> new IllegalStateException("no master serves slot " + slot));
  }

  /** The ports of the masters now, by their first slot. */
  public List<Integer> masters() {
    return alive().get(0).sync().clusterSlots().stream()
        .map(List.class::cast)
        .sorted(Comparator.comparingLong(range -> number(range.get(0))))
        .map(range -> (int) number(((List<?>) range.get(2)).get(1)))
        .distinct()
        .toList();
  }

  /**
   * Kills (SIGKILL) the master serving {@code key}'s slot and waits until its replica has taken
   * over and every node left reports the cluster ok; returns the new master's port.
   */
  public int killMasterOf(String key) {
    int old = masterOf(key);
    kill(old);
    awaitOk();
    return masterOf(key);
  }

  /**
   * Waits until every node left reports the cluster ok and every slot is served by a live master
   * (after a killed master, once its replica has taken over).
   */
  public void awaitOk() {
    Awaitility.await("cluster_state:ok on every live node, every master alive")
        .atMost(READY)
        .pollInterval(Duration.ofMillis(100))
        .ignoreExceptions()
        .until(() -> allOk() && livePorts().containsAll(masters()));
  }

  /** Keys matching {@code pattern} on every live master ({@code KEYS}: test data only). */
  public List<String> keys(String pattern) {
    return masters().stream().flatMap(port -> node(port).sync().keys(pattern).stream()).toList();
  }

  /** Keys matching {@code pattern} on the node at {@code port} alone, master or replica. */
  public List<String> keysOnNode(int port, String pattern) {
    RedisNode node = node(port);
    if (node.sync().info("replication").contains("role:slave")) {
      node.sync().readOnly();
    }
    return node.sync().keys(pattern);
  }

  /** Empties every live master (their replicas follow). */
  public void flushAll() {
    masters().forEach(port -> node(port).sync().flushall());
  }

  /** How many clients subscribe to {@code channel} on the node at {@code port}. */
  public long subscribers(int port, String channel) {
    return node(port).sync().pubsubNumsub(channel).getOrDefault(channel, 0L);
  }

  /** Ports of the nodes still running. */
  public List<Integer> livePorts() {
    return alive().stream().map(RedisNode::port).toList();
  }

  /** Kills the node at {@code port} (SIGKILL) without waiting for anything. */
  public void kill(int port) {
    node(port).kill();
  }

  @Override
  public void close() {
    nodes.forEach(RedisNode::close);
    try (Stream<Path> files = Files.walk(dir)) {
      files.sorted(Comparator.reverseOrder()).map(Path::toFile).forEach(File::delete);
    } catch (IOException ignored) {
      // a leftover temporary folder is harmless
    }
  }

  private void createWithRedisCli(Path redisCli) {
    List<String> command = new ArrayList<>(List.of(redisCli.toString(), "--cluster", "create"));
    nodes.forEach(node -> command.add(node.address()));
    command.addAll(List.of("--cluster-replicas", "1", "--cluster-yes"));
    try {
      Process create =
          new ProcessBuilder(command)
              .redirectErrorStream(true)
              .redirectOutput(dir.resolve("create.log").toFile())
              .start();
      if (!create.waitFor(60, TimeUnit.SECONDS) || create.exitValue() != 0) {
        create.destroyForcibly();
        throw new IllegalStateException(
            "redis-cli --cluster create failed: " + Files.readString(dir.resolve("create.log")));
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /** What {@code redis-cli --cluster create} does, for a machine without redis-cli. */
  private void createWithCommands() {
    RedisNode first = nodes.get(0);
    nodes.stream().skip(1).forEach(node -> first.sync().clusterMeet("127.0.0.1", node.port()));
    int slotsPerMaster = (16_384 + MASTERS - 1) / MASTERS;
    for (int m = 0; m < MASTERS; m++) {
      int from = m * slotsPerMaster;
      int to = Math.min(16_384, from + slotsPerMaster);
      nodes.get(m).sync().clusterAddSlots(IntStream.range(from, to).toArray());
    }
    Awaitility.await("every node knows every other")
        .atMost(READY)
        .pollInterval(Duration.ofMillis(100))
        .until(
            () ->
                nodes.stream()
                    .allMatch(n -> n.sync().clusterNodes().lines().count() == nodes.size()));
    for (int r = 0; r < MASTERS; r++) {
      String masterId = nodes.get(r).sync().clusterMyId();
      nodes.get(MASTERS + r).sync().clusterReplicate(masterId);
    }
  }

  /** Every node ok, every master with a replica that is in sync. */
  private void awaitHealthy() {
    Awaitility.await("cluster_state:ok with every replica in sync")
        .atMost(READY)
        .pollInterval(Duration.ofMillis(100))
        .ignoreExceptions()
        .until(
            () ->
                allOk()
                    && alive().stream()
                            .filter(n -> n.sync().info("replication").contains("role:slave"))
                            .filter(
                                n -> n.sync().info("replication").contains("master_link_status:up"))
                            .count()
                        == MASTERS);
  }

  private boolean allOk() {
    return alive().stream().allMatch(n -> n.sync().clusterInfo().contains("cluster_state:ok"));
  }

  private List<RedisNode> alive() {
    return nodes.stream().filter(RedisNode::isAlive).toList();
  }

  private RedisNode node(int port) {
    return nodes.stream()
        .filter(n -> n.port() == port)
        .findFirst()
        .orElseThrow(() -> new IllegalArgumentException("no node on port " + port));
  }

  private static long number(Object value) {
    return ((Number) value).longValue();
  }

  /** {@code redis-cli} from PATH, if there is one. */
  static Optional<Path> redisCli() {
    return Stream.of(System.getenv().getOrDefault("PATH", "").split(File.pathSeparator))
        .map(dir -> Path.of(dir, "redis-cli"))
        .filter(Files::isExecutable)
        .findFirst();
  }
}
