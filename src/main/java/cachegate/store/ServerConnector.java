package cachegate.store;

import cachegate.config.RedisConfig;
import cachegate.config.RedisConfig.Node;
import io.lettuce.core.AbstractRedisClient;
import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.ScanCursor;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;
import io.lettuce.core.codec.StringCodec;
import io.lettuce.core.pubsub.StatefulRedisPubSubConnection;
import io.lettuce.core.resource.ClientResources;
import java.util.concurrent.CompletableFuture;

/**
 * One Redis server, or the master that Redis Sentinel names. With sentinels, Lettuce asks them for
 * the master's address on every (re)connection, so after a failover that kills or cuts off the old
 * master, the next reconnection reaches the new one; until then commands fail fast. A master that
 * is demoted while its connection stays open answers writes with {@code READONLY} errors (store
 * failures) until the connection drops. Thread-safe.
 */
final class ServerConnector extends RedisConnector<StatefulRedisConnection<String, byte[]>> {
  private final RedisClient client;
  private final RedisURI uri;

  ServerConnector(RedisConfig config, ClientResources resources) {
    super(config, resources);
    this.uri = uri(config);
    this.client = new AsyncOnlyRedisClient(resources);
    client.setOptions(options(ClientOptions.builder(), config).build());
  }

  @Override
  CompletableFuture<RedisClusterAsyncCommands<String, byte[]>> commands() {
    return connection().thenApply(StatefulRedisConnection::async);
  }

  @Override
  CompletableFuture<ScanPage> scan(String cursor, String pattern, int count) {
    return connection()
        .thenCompose(c -> c.async().scan(ScanCursor.of(cursor), matching(pattern, count)))
        .thenApply(
            scan -> new ScanPage(scan.getKeys(), scan.isFinished() ? "0" : scan.getCursor()));
  }

  @Override
  AbstractRedisClient client() {
    return client;
  }

  @Override
  CompletableFuture<StatefulRedisConnection<String, byte[]>> connect() {
    return client.connectAsync(CODEC, uri).toCompletableFuture();
  }

  @Override
  CompletableFuture<StatefulRedisPubSubConnection<String, String>> connectPubSub() {
    return client.connectPubSubAsync(StringCodec.UTF8, uri).toCompletableFuture();
  }

  private static RedisURI uri(RedisConfig config) {
    if (config.topology() == RedisConfig.Topology.STANDALONE) {
      return server(config, RedisURI.builder().withHost(config.host()).withPort(config.port()))
          .build();
    }
    Node first = config.nodes().get(0);
    RedisURI.Builder sentinels =
        RedisURI.Builder.sentinel(first.host(), first.port(), config.masterName());
    config.nodes().stream().skip(1).forEach(n -> sentinels.withSentinel(n.host(), n.port()));
    return server(config, sentinels).build();
  }
}
