package cachegate.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import cachegate.support.FakeUniversitiesApi;
import cachegate.support.LaunchedGateway;
import cachegate.support.RedisServer;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The class-data archive's training run ({@code cachegate.CdsTraining}, as the build runs it): with
 * a {@code redis-server} on PATH it trains against it, so that the Redis client's classes for a
 * working connection (its handshake, a keyed command) come from the archive at a first miss; with
 * none it trains against an unreachable Redis and still writes the archive.
 */
class CdsTrainingIT {
  /** Classes a first miss through a connected Redis loads, not loaded when Redis is unreachable. */
  private static final List<String> CONNECTED_CLIENT_CLASSES =
      List.of(
          "io.lettuce.core.ConnectionState$HandshakeResponse",
          "io.lettuce.core.protocol.CommandArgs$KeyArgument");

  private static final Path JAR = LaunchedGateway.JAR.toAbsolutePath();

  @TempDir Path dir;

  @Test
  void trainedWithARedisServerOnPathAFirstMissLoadsTheConnectedRedisClientFromTheArchive()
      throws Exception {
    Path bin = Files.createDirectories(dir.resolve("bin"));
    Files.createSymbolicLink(bin.resolve("redis-server"), RedisServer.binary().toAbsolutePath());
    Path archive = train(bin);

    List<String> classLoading;
    try (RedisServer redis = RedisServer.start();
        FakeUniversitiesApi upstream = FakeUniversitiesApi.start()) {
      classLoading = classLoadingOfAFirstMiss(archive, redis, upstream);
    }

    for (String name : CONNECTED_CLIENT_CLASSES) {
      assertThat(classLoading)
          .filteredOn(line -> line.contains(" " + name + " "))
          .isNotEmpty()
          .allMatch(line -> line.contains("source: shared objects file"));
    }
  }

  @Test
  void withoutARedisServerOnPathTheTrainingStillWritesTheArchive() throws Exception {
    Path emptyPath = Files.createDirectories(dir.resolve("empty"));

    Path archive = train(emptyPath);

    assertThat(archive).isNotEmptyFile();
    assertThat(Files.readString(dir.resolve("training.log")))
        .contains("Redis unreachable (no redis-server on PATH)");
  }

  /** Runs the training as the build does, with {@code path} as PATH; returns the archive. */
  private Path train(Path path) throws IOException, InterruptedException {
    Path archive = dir.resolve("cachegate.jsa");
    ProcessBuilder builder =
        new ProcessBuilder(
                java(),
                "-XX:ArchiveClassesAtExit=" + archive,
                "-Xlog:cds=off",
                "-Xlog:cds+dynamic=off",
                "-cp",
                JAR.toString(),
                "cachegate.CdsTraining")
            .redirectErrorStream(true)
            .redirectOutput(dir.resolve("training.log").toFile());
    builder.environment().put("PATH", path.toString());
    Process training = builder.start();
    assertThat(training.waitFor(3, TimeUnit.MINUTES)).as("training finished").isTrue();
    assertThat(training.exitValue()).as(Files.readString(dir.resolve("training.log"))).isZero();
    return archive;
  }

  /**
   * The JVM's class-loading log of the jar started with {@code archive} and the flags of
   * jvm.options, up to its first answer (a miss through Redis) and Redis reported reachable.
   */
  private List<String> classLoadingOfAFirstMiss(
      Path archive, RedisServer redis, FakeUniversitiesApi upstream) throws Exception {
    int port = freePort();
    Path classes = dir.resolve("classes.txt");
    ProcessBuilder builder =
        new ProcessBuilder(
                java(),
                "@" + Path.of("jvm.options").toAbsolutePath(),
                "-XX:SharedArchiveFile=" + archive,
                "-Xlog:class+load:file=" + classes,
                "-jar",
                JAR.toString())
            .directory(dir.toFile())
            .redirectErrorStream(true)
            .redirectOutput(dir.resolve("cachegate.log").toFile());
    builder.environment().remove("JAVA_OPTS");
    builder.environment().put("PORT", String.valueOf(port));
    builder.environment().put("CACHE_TYPE", "redis");
    builder.environment().put("CACHE_REDIS_URL", redis.url());
    builder.environment().put("UNIVERSITIES_API_URL", upstream.url());
    Process gateway = builder.start();
    try {
      HttpClient http = HttpClient.newHttpClient();
      await("a first answer")
          .atMost(Duration.ofSeconds(60))
          .ignoreExceptions()
          .until(() -> get(http, port, "/universities?country=Germany").statusCode() == 200);
      await("Redis reachable")
          .atMost(Duration.ofSeconds(30))
          .ignoreExceptions()
          .until(() -> get(http, port, "/health").body().contains("\"reachable\":true"));
    } finally {
      gateway.destroy();
      gateway.waitFor(20, TimeUnit.SECONDS);
    }
    return Files.readAllLines(classes);
  }

  private static HttpResponse<String> get(HttpClient http, int port, String path)
      throws IOException, InterruptedException {
    return http.send(
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
            .timeout(Duration.ofSeconds(5))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  private static String java() {
    return Path.of(System.getProperty("java.home"), "bin", "java").toString();
  }

  private static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    }
  }
}
