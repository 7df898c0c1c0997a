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
 * CACHE_LOCAL_MAX_BYTES 40 MiB, of which three quarters bound the off-heap identity copies;
 * CACHE_LOCAL_DISK_MAX_BYTES 256 MiB of identity files): a working set of identity answers larger
 * than the copies may hold fills them up to their bound and no further, the rest is sent from files
 * within theirs, every answer is the upstream's whole for its own key, and the process stays within
 * 256 MiB.
 */
class LocalTierMemoryIT {
  private static final long MAX_RSS_KIB = 256 * 1024;
  private static final long COPY_BOUND = 40L * 1024 * 1024 / 4 * 3;
  private static final int KEYS = 1200;
  private static final int BODY_BYTES = 40_000;
  private static final long DISK_BOUND = 256L * 1024 * 1024;
  private static final long TIGHT_DISK_BOUND = 8L * 1024 * 1024;
  private static final HttpClient HTTP =
      HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

  @Test
  void aWorkingSetLargerThanTheCopiesIsSentFromFilesWithEveryBoundKeptAndTheProcessWithin256Mib()
      throws Exception {
    Path files = Files.createTempDirectory(Path.of("target").toAbsolutePath(), "identity-files");
    try (RedisServer redis = RedisServer.start();
        HostileUpstream upstream = HostileUpstream.start();
        LaunchedGateway gateway = launch(redis, upstream, Map.of("CACHE_LOCAL_DISK_DIR", files))) {
      askThreeRounds(gateway);

      long offHeap = metric(gateway, "cachegate_local_offheap_bytes");
      long fileBytes = metric(gateway, "cachegate_local_disk_bytes");
      long fileCount = metric(gateway, "cachegate_local_disk_files");
      assertThat(offHeap).isPositive().isLessThanOrEqualTo(COPY_BOUND);
      // Every key without an off-heap copy was asked for three times: its file was written.
      assertThat(fileBytes)
          .isGreaterThanOrEqualTo((long) KEYS * BODY_BYTES - offHeap)
          .isLessThanOrEqualTo(DISK_BOUND);
      assertThat(fileCount).isEqualTo(fileBytes / BODY_BYTES);
      assertThat(metric(gateway, "cachegate_local_disk_write_failures_total")).isZero();
      // The files live on through open descriptors only: one each, none left in the directory.
      assertThat(openDeletedFiles(gateway, files)).isEqualTo(fileCount);
      try (var listing = Files.list(files)) {
        assertThat(listing).isEmpty();
      }
      assertWithin256Mib(gateway, "off-heap copies " + offHeap + " bytes, files " + fileBytes);
    }
  }

  @Test
  void filesStayWithinTheirBoundAndTheAnswersPastItAreStillWhole() throws Exception {
    Path files = Files.createTempDirectory(Path.of("target").toAbsolutePath(), "identity-files");
    try (RedisServer redis = RedisServer.start();
        HostileUpstream upstream = HostileUpstream.start();
        LaunchedGateway gateway =
            launch(
                redis,
                upstream,
                Map.of(
                    "CACHE_LOCAL_DISK_DIR",
                    files,
                    "CACHE_LOCAL_DISK_MAX_BYTES",
                    String.valueOf(TIGHT_DISK_BOUND)))) {
      askThreeRounds(gateway);

      long fileBytes = metric(gateway, "cachegate_local_disk_bytes");
      assertThat(fileBytes).isPositive().isLessThanOrEqualTo(TIGHT_DISK_BOUND);
      assertThat(openDeletedFiles(gateway, files))
          .isEqualTo(metric(gateway, "cachegate_local_disk_files"));
      assertWithin256Mib(gateway, "files " + fileBytes);
    }
  }

  @Test
  void aDirectoryThatCannotBeWrittenIsLoggedOnceAndAnswersAreInflated() throws Exception {
    Path notADirectory =
        Files.createTempFile(Path.of("target").toAbsolutePath(), "identity-files", ".taken");
    Path files = notADirectory.resolve("files");
    try (RedisServer redis = RedisServer.start();
        HostileUpstream upstream = HostileUpstream.start();
        LaunchedGateway gateway = launch(redis, upstream, Map.of("CACHE_LOCAL_DISK_DIR", files))) {
      List<String> paths = IntStream.range(0, 20).mapToObj(k -> "/pages?q=k" + k).toList();
      askAll(gateway, paths, false);
      askAll(gateway, paths, true);

      assertThat(metric(gateway, "cachegate_local_disk_bytes")).isZero();
      assertThat(Files.readAllLines(gateway.log()))
          .filteredOn(line -> line.contains("identity files are off"))
          .singleElement()
          .asString()
          .contains(files.toString());
    } finally {
      Files.deleteIfExists(notADirectory);
    }
  }

  /** Every key, shuffled, three times; the second time each is also asked for in gzip. */
  private static void askThreeRounds(LaunchedGateway gateway) throws Exception {
    List<String> shuffled =
        new ArrayList<>(IntStream.range(0, KEYS).mapToObj(k -> "/pages?q=k" + k).toList());
    for (int round = 0; round < 3; round++) {
      Collections.shuffle(shuffled, new Random(round));
      askAll(gateway, shuffled, round == 1);
    }
  }

  private static void assertWithin256Mib(LaunchedGateway gateway, String held) {
    assertThat(gateway.isAlive()).as("cachegate is alive; see " + gateway.log()).isTrue();
    LaunchedGateway.Memory memory = gateway.memory().orElseThrow();
    System.out.printf(
        "%d keys of %d bytes, 3 rounds: %s, RSS %d KiB, peak %d KiB%n",
        KEYS, BODY_BYTES, held, memory.rssKib(), memory.peakKib());
    assertThat(memory.peakKib()).as("peak RSS in KiB").isLessThanOrEqualTo(MAX_RSS_KIB);
  }

  /** The process's descriptors open on files removed from {@code directory}. */
  private static long openDeletedFiles(LaunchedGateway gateway, Path directory) throws IOException {
    String prefix = directory.toRealPath() + "/";
    try (var descriptors = Files.list(Path.of("/proc", String.valueOf(gateway.pid()), "fd"))) {
      return descriptors
          .map(
              fd -> {
                try {
                  return Files.readSymbolicLink(fd).toString();
                } catch (IOException closedMeanwhile) {
                  return "";
                }
              })
          .filter(target -> target.startsWith(prefix) && target.endsWith(" (deleted)"))
          .count();
    }
  }

  private static LaunchedGateway launch(
      RedisServer redis, HostileUpstream upstream, Map<String, Object> more) throws Exception {
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
    Map<String, String> variables =
        new java.util.HashMap<>(
            Map.of(
                "PORT", String.valueOf(freePort()),
                "CACHE_TYPE", "redis",
                "CACHE_REDIS_URL", redis.url(),
                "CACHEGATE_ROUTES", routes.toAbsolutePath().toString()));
    more.forEach((name, value) -> variables.put(name, value.toString()));
    LaunchedGateway gateway = LaunchedGateway.start(variables, directory);
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

  /** The value of a metric without labels in {@code /metrics}. */
  private static long metric(LaunchedGateway gateway, String name) throws Exception {
    String metrics =
        HTTP.send(
                HttpRequest.newBuilder(gateway.uri("/metrics")).build(),
                HttpResponse.BodyHandlers.ofString())
            .body();
    Matcher matcher = Pattern.compile("(?m)^" + name + " (\\S+)$").matcher(metrics);
    assertThat(matcher.find()).as(name + " in /metrics").isTrue();
    return (long) Double.parseDouble(matcher.group(1));
  }

  private static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    }
  }
}
