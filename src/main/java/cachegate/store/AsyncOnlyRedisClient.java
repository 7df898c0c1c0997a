package cachegate.store;

import io.lettuce.core.RedisChannelWriter;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.StatefulRedisConnectionImpl;
import io.lettuce.core.api.sync.RedisCommands;
import io.lettuce.core.codec.RedisCodec;
import io.lettuce.core.protocol.PushHandler;
import io.lettuce.core.pubsub.PubSubEndpoint;
import io.lettuce.core.pubsub.StatefulRedisPubSubConnectionImpl;
import io.lettuce.core.pubsub.api.sync.RedisPubSubCommands;
import io.lettuce.core.resource.ClientResources;
import java.time.Duration;

/**
 * A Lettuce client whose connections (plain and pub/sub) have no synchronous API: cachegate uses
 * only the asynchronous one, and Lettuce builds the synchronous one for every new connection as a
 * reflective proxy over a few hundred methods whose class is generated at run time (the class-data
 * archive cannot hold it on Java 17): about a quarter of a second of CPU before the first
 * connection is made, which a first request through Redis waits for. {@code sync()} on these
 * connections throws {@link UnsupportedOperationException}. Thread-safe, as {@link RedisClient}.
 */
final class AsyncOnlyRedisClient extends RedisClient {
  AsyncOnlyRedisClient(ClientResources resources) {
    super(resources, new RedisURI());
  }

  @Override
  protected <K, V> StatefulRedisConnectionImpl<K, V> newStatefulRedisConnection(
      RedisChannelWriter writer,
      PushHandler pushHandler,
      RedisCodec<K, V> codec,
      Duration timeout) {
    return new StatefulRedisConnectionImpl<>(writer, pushHandler, codec, timeout) {
      @Override
      protected RedisCommands<K, V> newRedisSyncCommandsImpl() {
        return null;
      }

      @Override
      public RedisCommands<K, V> sync() {
        throw noSync();
      }
    };
  }

  @Override
  protected <K, V> StatefulRedisPubSubConnectionImpl<K, V> newStatefulRedisPubSubConnection(
      PubSubEndpoint<K, V> endpoint,
      RedisChannelWriter writer,
      RedisCodec<K, V> codec,
      Duration timeout) {
    return new StatefulRedisPubSubConnectionImpl<>(endpoint, writer, codec, timeout) {
      @Override
      protected RedisPubSubCommands<K, V> newRedisSyncCommandsImpl() {
        return null;
      }

      @Override
      public RedisPubSubCommands<K, V> sync() {
        throw noSync();
      }
    };
  }

  private static UnsupportedOperationException noSync() {
    return new UnsupportedOperationException(
        "cachegate's Redis connections have only the asynchronous API");
  }
}
