package cachegate.store;

import cachegate.config.RedisConfig;
import io.lettuce.core.AbstractRedisClient;
import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisURI;
import io.lettuce.core.ScanCursor;
import io.lettuce.core.cluster.ClusterClientOptions;
import io.lettuce.core.cluster.ClusterTopologyRefreshOptions;
import io.lettuce.core.cluster.RedisClusterClient;
import io.lettuce.core.cluster.api.StatefulRedisClusterConnection;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;
import io.lettuce.core.cluster.models.partitions.Partitions;
import io.lettuce.core.cluster.models.partitions.RedisClusterNode;
import io.lettuce.core.cluster.models.partitions.RedisClusterNode.NodeFlag;
import io.lettuce.core.cluster.pubsub.StatefulRedisClusterPubSubConnection;
import io.lettuce.core.codec.StringCodec;
import io.lettuce.core.resource.ClientResources;
import java.time.Duration;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * A Redis Cluster, reached through its seed nodes. Each command goes to the master of its key's
 * slot (an entry and its lease share a slot through their hash tag); a multi-key {@code UNLINK} is
 * split by slot.
 *
 * <p>Failover: Lettuce reloads the topology every {@link #TOPOLOGY_REFRESH} and also as soon as a
 * node keeps failing to reconnect, answers {@code MOVED}/{@code ASK}, or a slot has no node (all
 * adaptive triggers, on by default in Lettuce 7, at most once per {@link
 * #ADAPTIVE_REFRESH_AT_MOST_EVERY}). So once the cluster has promoted a replica, commands reach it
 * within a couple of seconds; until then, commands for the dead master's slots fail. Unlike with
 * one server, a command for a node that is not connected waits for the connection up to the command
 * timeout instead of failing at once: Lettuce connects to each node on its first command, and
 * rejecting commands while disconnected would fail that first command on every node.
 *
 * <p>Scanning: a scan visits the masters one after another, ordered by the first slot each owns,
 * with the cursor {@code <master index>:<SCAN cursor>}. A scan that runs across a failover or a
 * resharding may return some keys twice or miss some. Thread-safe.
 */
final class ClusterConnector
    extends RedisConnector<StatefulRedisClusterConnection<String, byte[]>> {
  /** How often the topology is reloaded even when nothing hints at a change. */
  static final Duration TOPOLOGY_REFRESH = Duration.ofSeconds(1);

  /** The shortest interval between two reloads triggered by failing or redirected commands. */
  static final Duration ADAPTIVE_REFRESH_AT_MOST_EVERY = Duration.ofMillis(500);

  private final RedisClusterClient client;
  private final ExecutorService topologyLoader =
      Executors.newSingleThreadExecutor(
          runnable -> {
            Thread thread = new Thread(runnable, "cachegate-redis-topology");
            thread.setDaemon(true);
            return thread;
          });

  ClusterConnector(RedisConfig config, ClientResources resources) {
    super(config, resources);
    List<RedisURI> seeds =
        config.nodes().stream()
            .map(
                node ->
                    server(config, RedisURI.builder().withHost(node.host()).withPort(node.port()))
                        .build())
            .toList();
    this.client = RedisClusterClient.create(resources, seeds);
    client.setOptions(
        options(ClusterClientOptions.builder(), config)
            // Lettuce opens the connection to each node lazily, on its first command; rejecting
            // commands while disconnected would fail that first command on every node.
            .disconnectedBehavior(ClientOptions.DisconnectedBehavior.DEFAULT)
            .topologyRefreshOptions(
                ClusterTopologyRefreshOptions.builder()
                    .enablePeriodicRefresh(TOPOLOGY_REFRESH)
                    .adaptiveRefreshTriggersTimeout(ADAPTIVE_REFRESH_AT_MOST_EVERY)
                    .refreshTriggersReconnectAttempts(2)
                    .build())
            .build());
  }

  @Override
  CompletableFuture<RedisClusterAsyncCommands<String, byte[]>> commands() {
    return connection().thenApply(StatefulRedisClusterConnection::async);
  }

  /** Scans the masters in turn; an unreadable cursor ends the scan. */
  @Override
  CompletableFuture<ScanPage> scan(String cursor, String pattern, int count) {
    int colon = cursor.indexOf(':');
    int index;
    String nodeCursor;
    try {
      index = colon < 0 ? Integer.parseInt(cursor) : Integer.parseInt(cursor.substring(0, colon));
      nodeCursor = colon < 0 ? "0" : cursor.substring(colon + 1);
    } catch (NumberFormatException e) {
      return CompletableFuture.completedFuture(new ScanPage(List.of(), "0"));
    }
    return connection()
        .thenCompose(
            c -> {
              List<RedisClusterNode> masters = masters(c);
              if (index < 0 || index >= masters.size()) {
                return CompletableFuture.completedFuture(new ScanPage(List.of(), "0"));
              }
              return c.getConnectionAsync(masters.get(index).getNodeId())
                  .thenCompose(
                      node ->
                          node.async().scan(ScanCursor.of(nodeCursor), matching(pattern, count)))
                  .thenApply(
                      scan -> {
                        String next;
                        if (!scan.isFinished()) {
                          next = index + ":" + scan.getCursor();
                        } else if (index + 1 < masters.size()) {
                          next = (index + 1) + ":0";
                        } else {
                          next = "0";
                        }
                        return new ScanPage(scan.getKeys(), next);
                      });
            });
  }

  /** The masters that own slots and are not known to have failed, by the first slot they own. */
  private static List<RedisClusterNode> masters(
      StatefulRedisClusterConnection<String, byte[]> connection) {
    return connection.getPartitions().getPartitions().stream()
        .filter(node -> node.is(NodeFlag.UPSTREAM) && !node.is(NodeFlag.FAIL))
        .filter(node -> !node.hasNoSlots())
        .sorted(Comparator.comparingInt(node -> Collections.min(node.getSlots())))
        .toList();
  }

  @Override
  void closing() {
    topologyLoader.shutdownNow();
  }

  @Override
  AbstractRedisClient client() {
    return client;
  }

  @Override
  CompletableFuture<StatefulRedisClusterConnection<String, byte[]>> connect() {
    return topology().thenCompose(loaded -> client.connectAsync(CODEC));
  }

  /**
   * Loads the topology from the seed nodes the first time (Lettuce connects only once it knows it),
   * on a thread of its own because Lettuce loads the first topology blocking.
   */
  private CompletableFuture<Partitions> topology() {
    return CompletableFuture.supplyAsync(client::getPartitions, topologyLoader);
  }

  /**
   * A cluster pub/sub connection: it subscribes on one node, and {@code PUBLISH} on any node
   * reaches every node. When that node dies, Lettuce reconnects to another node of the topology and
   * subscribes there again.
   */
  @Override
  CompletableFuture<StatefulRedisClusterPubSubConnection<String, String>> connectPubSub() {
    return topology().thenCompose(loaded -> client.connectPubSubAsync(StringCodec.UTF8));
  }
}
