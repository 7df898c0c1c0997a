package cachegate.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import cachegate.support.FakeUniversitiesApi;
import cachegate.support.GzipBomb;
import cachegate.support.LaunchedGateway;
import cachegate.support.RedisServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/**
 * A gzip bomb on the jar launched as the README launches it (bin/cachegate, defaults:
 * CACHE_MAX_ENTRY_BYTES 5 MiB, UPSTREAM_MAX_BODY_BYTES 64 MiB): eight clients at once ask for
 * answers of about 600 KB of gzip that would inflate to 512 MiB each. None is stored; each is
 * passed on inflated and cut at 64 MiB, both limits counted, and the process stays within 256 MiB.
 */
class GzipBombMemoryIT {
  private static final long MAX_RSS_KIB = 256 * 1024;
  private static final int CLIENTS = 8;
  private static final long MAX_BODY = 64L * 1024 * 1024;
  private static final HttpClient HTTP =
      HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

  @Test
  void gzipBombsArePassedOnCutAtTheLargestAnswerAndTheProcessStaysWithin256Mib() throws Exception {
    byte[] bomb = GzipBomb.of(512L << 20);
    ExecutorService clients = Executors.newFixedThreadPool(CLIENTS);
    try (RedisServer redis = RedisServer.start();
        FakeUniversitiesApi upstream = FakeUniversitiesApi.start();
        LaunchedGateway gateway = launch(redis, upstream)) {
      upstream.gzipWhenAsked(body -> bomb);

      List<Long> received =
          IntStream.range(0, CLIENTS)
              .mapToObj(
                  i -> CompletableFuture.supplyAsync(() -> read(gateway, "Country" + i), clients))
              .toList()
              .stream()
              .map(CompletableFuture::join)
              .toList();

      assertThat(received).allSatisfy(bytes -> assertThat(bytes).isBetween(1L, MAX_BODY));
      assertThat(upstream.bodyBytesSent()).isLessThanOrEqualTo((long) CLIENTS * bomb.length);
      String metrics = get(gateway, "/metrics");
      assertThat(metrics)
          .contains(
              "cachegate_limits_reached_total{limit=\"upstream-answer-too-large-to-store\","
                  + "route=\"universities\"} "
                  + (double) CLIENTS)
          .contains(
              "cachegate_limits_reached_total{limit=\"upstream-answer-too-large\","
                  + "route=\"universities\"} "
                  + (double) CLIENTS);
      assertThat(redis.sync().keys("*universities*")).isEmpty();
      assertThat(gateway.isAlive()).as("cachegate is alive; see " + gateway.log()).isTrue();
      LaunchedGateway.Memory memory = gateway.memory().orElseThrow();
      System.out.printf(
          "%d gzip bombs of %d bytes: RSS %d KiB, peak %d KiB%n",
          CLIENTS, bomb.length, memory.rssKib(), memory.peakKib());
      assertThat(memory.peakKib()).as("peak RSS in KiB").isLessThanOrEqualTo(MAX_RSS_KIB);
    } finally {
      clients.shutdownNow();
    }
  }

  /** The bytes of the answer read until its end or its cut. */
  private static long read(LaunchedGateway gateway, String country) {
    long read = 0;
    try {
      HttpResponse<InputStream> answer =
          HTTP.send(
              HttpRequest.newBuilder(gateway.uri("/universities?country=" + country))
                  .header("Accept-Encoding", "gzip")
                  .timeout(Duration.ofSeconds(120))
                  .build(),
              HttpResponse.BodyHandlers.ofInputStream());
      assertThat(answer.statusCode()).isEqualTo(200);
      assertThat(answer.headers().firstValue("Content-Encoding")).isEmpty();
      byte[] buffer = new byte[65536];
      try (InputStream in = answer.body()) {
        int n;
        while ((n = in.read(buffer)) >= 0) {
          read += n;
        }
      } catch (IOException cut) {
        // The answer is cut: what matters is how much came before.
      }
      return read;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  private static String get(LaunchedGateway gateway, String target) throws Exception {
    return HTTP.send(
            HttpRequest.newBuilder(gateway.uri(target)).build(),
            HttpResponse.BodyHandlers.ofString())
        .body();
  }

  private static LaunchedGateway launch(RedisServer redis, FakeUniversitiesApi upstream)
      throws Exception {
    Path directory = Path.of("target", "gzip-bomb-memory");
    Files.createDirectories(directory);
    LaunchedGateway gateway =
        LaunchedGateway.start(
            Map.of(
                "PORT", String.valueOf(freePort()),
                "CACHE_TYPE", "redis",
                "CACHE_REDIS_URL", redis.url(),
                "UNIVERSITIES_API_URL", upstream.url()),
            directory);
    gateway.awaitUp(HTTP, Duration.ofSeconds(30));
    return gateway;
  }

  private static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    }
  }
}
