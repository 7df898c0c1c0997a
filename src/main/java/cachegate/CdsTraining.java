package cachegate;

import cachegate.config.ConfigLoader;
import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import com.sun.net.httpserver.HttpServer;
import java.io.File;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.InstantSource;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import org.slf4j.LoggerFactory;

/**
 * A training run for a class-data sharing archive (AppCDS), which lets the JVM map cachegate's
 * classes instead of loading and verifying them at every start: the build runs {@code java
 * -XX:ArchiveClassesAtExit=target/cachegate.jsa -cp target/cachegate.jar cachegate.CdsTraining}. It
 * starts cachegate on loopback in front of a tiny in-process JSON upstream and a {@code
 * redis-server} of its own (the one on PATH, on a free port, keeping nothing on disk), sends the
 * requests a service answers first (a miss with its Redis lookup, lease and write, a hit, gzip,
 * health, metrics), stops cachegate and Redis, and exits. The classes of a connected Redis client
 * (its handshake, commands, replies, pub/sub) are then archived too, which the first answer needs.
 * Without a {@code redis-server} on PATH it trains with a Redis address where nothing listens: the
 * client's classes for connecting still load, those of a connection that works do not.
 */
public final class CdsTraining {
  /** How long the training waits for its {@code redis-server} to accept connections. */
  private static final Duration REDIS_START_WAIT = Duration.ofSeconds(5);

  private CdsTraining() {}

  public static void main(String[] args) throws IOException, InterruptedException {
    // As jvm.options sets them, so that the archive holds the classes cachegate loads with them.
    System.setProperty("io.lettuce.core.jfr", System.getProperty("io.lettuce.core.jfr", "false"));
    System.setProperty("io.netty.jfr.enabled", System.getProperty("io.netty.jfr.enabled", "false"));
    int redisPort = unusedPort();
    Optional<Process> redis = redisServer(redisPort);
    // One line says how the archive was trained (and loads the classes of a first log line).
    LoggerFactory.getLogger(CdsTraining.class)
        .info(
            "class-data archive training run: {}",
            redis.isPresent()
                ? "cachegate with a redis-server on port " + redisPort
                : "cachegate with Redis unreachable (no redis-server on PATH)");
    // The run's own log lines would only clutter the build's output.
    ((Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME)).setLevel(Level.OFF);
    ((Logger) LoggerFactory.getLogger("cachegate.access")).setLevel(Level.OFF);
    try {
      train(redisPort);
    } finally {
      redis.ifPresent(Process::destroy);
    }
    System.exit(0);
  }

  /** Serves the requests of the class comment, in front of an upstream of its own. */
  private static void train(int redisPort) throws IOException, InterruptedException {
    HttpServer upstream = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 16);
    byte[] answer =
        "[{\"name\":\"Training University\",\"country\":\"Nowhere\"}]"
            .getBytes(StandardCharsets.UTF_8);
    upstream.createContext(
        "/search",
        exchange -> {
          try (exchange) {
            exchange.getResponseHeaders().set("Content-Type", "application/json");
            exchange.sendResponseHeaders(200, answer.length);
            exchange.getResponseBody().write(answer);
          }
        });
    upstream.start();
    Map<String, String> env =
        Map.of(
            "PORT",
            "0",
            "CACHE_TYPE",
            "redis",
            "CACHE_REDIS_URL",
            "redis://127.0.0.1:" + redisPort,
            "UNIVERSITIES_API_URL",
            "http://127.0.0.1:" + upstream.getAddress().getPort());
    try {
      ask(
          env,
          List.of(
              "/universities?country=Nowhere",
              "/universities?country=Nowhere",
              "/universities?country=",
              "/health",
              "/metrics"));
      // A second instance finds the entry in Redis: a hit read from there and decoded.
      ask(env, List.of("/universities?country=Nowhere"));
    } finally {
      upstream.stop(0);
    }
  }

  /** Starts cachegate with {@code env}, asks it for {@code paths}, then gzip, and stops it. */
  private static void ask(Map<String, String> env, List<String> paths)
      throws IOException, InterruptedException {
    CacheGateApp app = CacheGateApp.start(ConfigLoader.from(env), InstantSource.system());
    try {
      HttpClient client = HttpClient.newHttpClient();
      String base = "http://127.0.0.1:" + app.port();
      for (String path : paths) {
        client.send(
            HttpRequest.newBuilder(URI.create(base + path)).build(),
            HttpResponse.BodyHandlers.discarding());
      }
      client.send(
          HttpRequest.newBuilder(URI.create(base + paths.get(0)))
              .header("Accept-Encoding", "gzip")
              .build(),
          HttpResponse.BodyHandlers.discarding());
    } finally {
      app.close();
    }
  }

  /**
   * A {@code redis-server} from PATH listening on {@code port} once it answers, or empty when there
   * is none or it does not start within {@link #REDIS_START_WAIT}.
   */
  private static Optional<Process> redisServer(int port) throws InterruptedException {
    Optional<Path> binary =
        Stream.of(System.getenv().getOrDefault("PATH", "").split(File.pathSeparator))
            .filter(dir -> !dir.isEmpty())
            .map(dir -> Path.of(dir, "redis-server"))
            .filter(Files::isExecutable)
            .findFirst();
    if (binary.isEmpty()) {
      return Optional.empty();
    }
    Process process;
    try {
      process =
          new ProcessBuilder(
                  binary.get().toString(),
                  "--port",
                  String.valueOf(port),
                  "--bind",
                  "127.0.0.1",
                  "--save",
                  "",
                  "--appendonly",
                  "no")
              .redirectErrorStream(true)
              .redirectOutput(ProcessBuilder.Redirect.DISCARD)
              .start();
    } catch (IOException e) {
      return Optional.empty();
    }
    long deadline = System.nanoTime() + REDIS_START_WAIT.toNanos();
    while (System.nanoTime() < deadline && process.isAlive()) {
      try {
        new Socket("127.0.0.1", port).close();
        return Optional.of(process);
      } catch (IOException notYet) {
        Thread.sleep(20);
      }
    }
    process.destroy();
    return Optional.empty();
  }

  private static int unusedPort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    }
  }
}
