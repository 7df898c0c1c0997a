package cachegate.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import cachegate.support.RedisServer;
import io.lettuce.core.RedisURI;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.codec.StringCodec;
import io.lettuce.core.pubsub.StatefulRedisPubSubConnection;
import io.lettuce.core.resource.ClientResources;
import io.lettuce.core.resource.DefaultClientResources;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The client that builds no synchronous API: the asynchronous one works, sync() says why not. */
class AsyncOnlyRedisClientIT {
  private RedisServer server;
  private ClientResources resources;
  private AsyncOnlyRedisClient client;

  @BeforeEach
  void start() {
    server = RedisServer.start();
    resources = DefaultClientResources.builder().ioThreadPoolSize(1).build();
    client = new AsyncOnlyRedisClient(resources);
  }

  @AfterEach
  void stop() {
    client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
    resources.shutdown(0, 2, TimeUnit.SECONDS);
    server.close();
  }

  @Test
  void aConnectionAnswersAsynchronouslyAndRefusesTheSynchronousApi() throws Exception {
    StatefulRedisConnection<String, String> connection =
        client.connect(StringCodec.UTF8, RedisURI.create(server.url()));

    String pong = connection.async().ping().get(5, TimeUnit.SECONDS);

    assertThat(pong).isEqualTo("PONG");
    assertThatThrownBy(connection::sync)
        .isInstanceOf(UnsupportedOperationException.class)
        .hasMessageContaining("only the asynchronous API");
    connection.close();
  }

  @Test
  void aPubSubConnectionSubscribesAsynchronouslyAndRefusesTheSynchronousApi() throws Exception {
    StatefulRedisPubSubConnection<String, String> connection =
        client.connectPubSub(StringCodec.UTF8, RedisURI.create(server.url()));

    connection.async().subscribe("channel").get(5, TimeUnit.SECONDS);

    assertThat(server.sync().pubsubNumsub("channel")).containsEntry("channel", 1L);
    assertThatThrownBy(connection::sync).isInstanceOf(UnsupportedOperationException.class);
    connection.close();
  }
}
