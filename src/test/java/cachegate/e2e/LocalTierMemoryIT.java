package cachegate.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import cachegate.support.HostileUpstream;
import cachegate.support.LaunchedGateway;
import cachegate.support.RedisServer;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.IntStream;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.Test;

/**
 * The local tier's memory on the jar launched as the README launches it (bin/cachegate, defaults:
 * CACHE_LOCAL_MAX_BYTES 40 MiB, of which three quarters bound the off-heap identity copies): a
 * working set of identity answers larger than the copies may hold fills them up to their bound and
 * no further, every answer is the upstream's whole, and the process stays within 256 MiB.
 */
class LocalTierMemoryIT {
  private static final long MAX_RSS_KIB = 256 * 1024;
  private static final long COPY_BOUND = 40L * 1024 * 1024 / 4 * 3;
  private static final int KEYS = 1200;
  private static final int BODY_BYTES = 40_000;
  private static final Pattern OFF_HEAP =
      Pattern.compile("(?m)^cachegate_local_offheap_bytes\\S* (\\S+)$");
  private static final HttpClient HTTP =
      HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

  @Test
  void aWorkingSetLargerThanTheCopiesKeepsTheirBytesWithinTheirBoundAndTheProcessWithin256Mib()
      throws Exception {
    try (RedisServer redis = RedisServer.start();
        HostileUpstream upstream = HostileUpstream.start();
        LaunchedGateway gateway = launch(redis, upstream)) {
      List<String> paths = IntStream.range(0, KEYS).mapToObj(k -> "/pages?q=k" + k).toList();

      List<String> shuffled = new ArrayList<>(paths);
      for (int round = 0; round < 3; round++) {
        Collections.shuffle(shuffled, new Random(round));
        askAll(gateway, shuffled, round == 1);
      }

      long offHeap = offHeapBytes(gateway);
      assertThat(offHeap).isPositive().isLessThanOrEqualTo(COPY_BOUND);
      assertThat(gateway.isAlive()).as("cachegate is alive; see " + gateway.log()).isTrue();
      LaunchedGateway.Memory memory = gateway.memory().orElseThrow();
      System.out.printf(
          "%d keys of %d bytes, 3 rounds: off-heap copies %d bytes, RSS %d KiB, peak %d KiB%n",
          KEYS, BODY_BYTES, offHeap, memory.rssKib(), memory.peakKib());
      assertThat(memory.peakKib()).as("peak RSS in KiB").isLessThanOrEqualTo(MAX_RSS_KIB);
    }
  }

  private static LaunchedGateway launch(RedisServer redis, HostileUpstream upstream)
      throws Exception {
    Path directory = Path.of("target", "local-tier-memory");
    Files.createDirectories(directory);
    Path routes = directory.resolve("routes.yml");
    Files.writeString(
        routes,
        "routes:\n  - name: pages\n    path: /pages\n    upstream: "
            + upstream.url()
            + "/length/bytes="
            + BODY_BYTES
            + "/search\n    params:\n      q: {type: string, required: true}\n");
    LaunchedGateway gateway =
        LaunchedGateway.start(
            Map.of(
                "PORT", String.valueOf(freePort()),
                "CACHE_TYPE", "redis",
                "CACHE_REDIS_URL", redis.url(),
                "CACHEGATE_ROUTES", routes.toAbsolutePath().toString()),
            directory);
    gateway.awaitUp(HTTP, Duration.ofSeconds(30));
    return gateway;
  }

  /**
   * Asks for every path, 16 at a time, in identity (and once each in gzip too when {@code
   * alsoGzip}), and checks each answer is the whole body, the same in both encodings.
   */
  private static void askAll(LaunchedGateway gateway, List<String> paths, boolean alsoGzip)
      throws Exception {
    Semaphore inFlight = new Semaphore(16);
    List<CompletableFuture<Void>> answers = new ArrayList<>();
    for (String path : paths) {
      inFlight.acquire();
      answers.add(
          HTTP.sendAsync(
                  HttpRequest.newBuilder(gateway.uri(path)).timeout(Duration.ofSeconds(30)).build(),
                  HttpResponse.BodyHandlers.ofByteArray())
              .thenCompose(
                  identity ->
                      alsoGzip
                          ? HTTP.sendAsync(
                                  HttpRequest.newBuilder(gateway.uri(path))
                                      .header("Accept-Encoding", "gzip")
                                      .timeout(Duration.ofSeconds(30))
                                      .build(),
                                  HttpResponse.BodyHandlers.ofByteArray())
                              .thenApply(gzip -> check(path, identity, gzip))
                          : CompletableFuture.completedFuture(check(path, identity, identity)))
              .whenComplete((done, failure) -> inFlight.release()));
    }
    CompletableFuture.allOf(answers.toArray(CompletableFuture[]::new)).join();
  }

  private static Void check(
      String path, HttpResponse<byte[]> identity, HttpResponse<byte[]> other) {
    assertThat(identity.statusCode()).as(path).isEqualTo(200);
    assertThat(identity.body()).as(path).hasSize(BODY_BYTES);
    assertThat(new String(identity.body(), 0, 200, java.nio.charset.StandardCharsets.UTF_8))
        .as(path)
        .contains(path.substring(path.indexOf("q=")) + "\"");
    assertThat(other.statusCode()).as(path).isEqualTo(200);
    byte[] otherBody = other.body();
    if (other.headers().firstValue("Content-Encoding").orElse("").equals("gzip")) {
      try (GZIPInputStream in = new GZIPInputStream(new ByteArrayInputStream(otherBody))) {
        otherBody = in.readAllBytes();
      } catch (IOException e) {
        throw new AssertionError(path + ": gzip answer does not inflate", e);
      }
    }
    assertThat(otherBody).as(path).isEqualTo(identity.body());
    return null;
  }

  private static long offHeapBytes(LaunchedGateway gateway) throws Exception {
    String metrics =
        HTTP.send(
                HttpRequest.newBuilder(gateway.uri("/metrics")).build(),
                HttpResponse.BodyHandlers.ofString())
            .body();
    Matcher matcher = OFF_HEAP.matcher(metrics);
    assertThat(matcher.find()).as("cachegate_local_offheap_bytes in /metrics").isTrue();
    return (long) Double.parseDouble(matcher.group(1));
  }

  private static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    }
  }
}
