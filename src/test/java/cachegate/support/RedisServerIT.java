package cachegate.support;

import static org.assertj.core.api.Assertions.assertThat;

import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import org.junit.jupiter.api.Test;

/** The test harness's fallback: a machine without redis-server on PATH still gets a real Redis. */
class RedisServerIT {
  @Test
  void binaryFromTheEmbeddedRedisJarRunsAndAnswers() {
    try (RedisServer server = RedisServer.startFromJar()) {
      RedisClient client = RedisClient.create(server.url());
      try (StatefulRedisConnection<String, String> connection = client.connect()) {

        connection.sync().set("probe", "ok");

        assertThat(connection.sync().get("probe")).isEqualTo("ok");
      } finally {
        client.shutdown();
      }
    }
  }
}
