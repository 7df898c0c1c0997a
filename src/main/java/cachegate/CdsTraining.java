package cachegate;

import cachegate.config.ConfigLoader;
import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.InstantSource;
import java.util.List;
import java.util.Map;
import org.slf4j.LoggerFactory;

/**
 * A training run for a class-data sharing archive (AppCDS), which lets the JVM map cachegate's
 * classes instead of loading and verifying them at every start: the build runs {@code java
 * -XX:ArchiveClassesAtExit=target/cachegate.jsa -cp target/cachegate.jar cachegate.CdsTraining}. It
 * starts cachegate on loopback in front of a tiny in-process JSON upstream, with a Redis address
 * where nothing listens (so the Redis client's classes load too), sends the requests a service
 * answers first (a miss, a hit, gzip, health, metrics), stops cachegate and exits.
 */
public final class CdsTraining {
  private CdsTraining() {}

  public static void main(String[] args) throws IOException, InterruptedException {
    // The run's log lines (Redis unreachable, by design) would only clutter the build's output.
    ((Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME)).setLevel(Level.OFF);
    ((Logger) LoggerFactory.getLogger("cachegate.access")).setLevel(Level.OFF);
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
    CacheGateApp app =
        CacheGateApp.start(
            ConfigLoader.from(
                Map.of(
                    "PORT",
                    "0",
                    "CACHE_TYPE",
                    "redis",
                    "CACHE_REDIS_URL",
                    "redis://127.0.0.1:" + unusedPort(),
                    "UNIVERSITIES_API_URL",
                    "http://127.0.0.1:" + upstream.getAddress().getPort())),
            InstantSource.system());
    try {
      HttpClient client = HttpClient.newHttpClient();
      String base = "http://127.0.0.1:" + app.port();
      for (String path :
          List.of(
              "/universities?country=Nowhere",
              "/universities?country=Nowhere",
              "/universities?country=",
              "/health",
              "/metrics")) {
        client.send(
            HttpRequest.newBuilder(URI.create(base + path)).build(),
            HttpResponse.BodyHandlers.discarding());
      }
      client.send(
          HttpRequest.newBuilder(URI.create(base + "/universities?country=Nowhere"))
              .header("Accept-Encoding", "gzip")
              .build(),
          HttpResponse.BodyHandlers.discarding());
    } finally {
      app.close();
      upstream.stop(0);
    }
    System.exit(0);
  }

  private static int unusedPort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    }
  }
}
