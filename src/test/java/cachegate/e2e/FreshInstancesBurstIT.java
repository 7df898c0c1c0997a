package cachegate.e2e;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import cachegate.support.FakeUniversitiesApi;
import cachegate.support.LaunchedGateway;
import cachegate.support.RedisServer;
import cachegate.support.RequestBurst;
import cachegate.support.RequestBurst.Answer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.RepetitionInfo;

/**
 * Load is not an outage: a burst that saturates the event loops of freshly started instances (the
 * JIT still compiling) must not make them take Redis for failing, open the breaker and fetch a cold
 * key each on its own.
 *
 * <p>Each run starts three new cachegate processes, launched as the README launches them, on one
 * Redis and one upstream that answers in 300 ms, waits until each answers {@code /health} and at
 * once sends them 200 requests for one cold key, all at the same instant and round robin. Before
 * Lettuce's command timeouts waited for one more pass of their loop over the sockets ({@code
 * LoopTimer}), a Redis reply that had arrived while a loop was busy lost to its 100 ms timeout: by
 * hand, 2-3 upstream calls in 4 of 5 runs. Repeated because it is a race; every run must pass.
 */
class FreshInstancesBurstIT {
  private static final int INSTANCES = 3;
  private static final int REQUESTS = 200;
  private static final Duration UPSTREAM_DELAY = Duration.ofMillis(300);
  private static final Duration START_UP = Duration.ofSeconds(30);
  private static final Path RUNS = Path.of("target", "fresh-instances-burst");

  /** Log lines that tell why an instance fetched on its own: timeouts, outages, breakers. */
  private static final Pattern TROUBLE =
      Pattern.compile("(?i)timed out|failing|recovered|breaker|circuit|exception");

  private static final HttpClient HEALTH =
      HttpClient.newBuilder()
          .version(HttpClient.Version.HTTP_1_1)
          .connectTimeout(Duration.ofSeconds(2))
          .build();

  private static RedisServer redis;
  private static FakeUniversitiesApi upstream;

  private final List<LaunchedGateway> instances = new ArrayList<>();

  @BeforeAll
  static void startDependencies() {
    redis = RedisServer.start();
    upstream = FakeUniversitiesApi.start();
  }

  @AfterAll
  static void stopDependencies() {
    upstream.close();
    redis.close();
  }

  @BeforeEach
  void emptyDependencies() {
    redis.sync().flushall();
    upstream.reset();
    upstream.slow(UPSTREAM_DELAY);
  }

  /** Stops the run's instances, side by side; again after a run that stopped them is harmless. */
  @AfterEach
  void stopInstances() {
    CompletableFuture.allOf(
            instances.stream()
                .map(instance -> CompletableFuture.runAsync(instance::close))
                .toArray(CompletableFuture[]::new))
        .join();
  }

  @RepeatedTest(value = 10, name = "run {currentRepetition} of {totalRepetitions}")
  void twoHundredSimultaneousRequestsForAColdKeyOnThreeFreshlyStartedInstancesCallTheUpstreamOnce(
      RepetitionInfo repetition) throws InterruptedException {
    int run = repetition.getCurrentRepetition();
    List<URI> servers = startFreshInstances(run);
    String offset = String.valueOf(run);
    String coldKey = "/universities?country=germany&offset=" + offset;

    List<Answer> answers = RequestBurst.send(servers, coldKey, REQUESTS);
    int upstreamCalls = upstream.requests();
    stopInstances(); // so that their logs are complete for the report

    String report = report(run, upstreamCalls, answers);
    assertThat(answers).as(report).extracting(Answer::status).containsOnly(200);
    String expected =
        new String(upstream.answer(Map.of("country", "germany", "offset", offset)), UTF_8);
    assertThat(answers).as(report).extracting(Answer::body).containsOnly(expected);
    assertThat(upstreamCalls).as(report).isEqualTo(1);
  }

  /** Three new processes started side by side, each in its own directory, all up. */
  private List<URI> startFreshInstances(int run) throws InterruptedException {
    for (int i = 1; i <= INSTANCES; i++) {
      instances.add(
          LaunchedGateway.start(
              Map.of(
                  "CACHE_TYPE", "redis",
                  "CACHE_REDIS_URL", redis.url(),
                  "UNIVERSITIES_API_URL", upstream.url(),
                  "PORT", String.valueOf(freePort())),
              RUNS.resolve("run-" + run).resolve("instance-" + i)));
    }
    for (LaunchedGateway instance : instances) {
      instance.awaitUp(HEALTH, START_UP);
    }
    return instances.stream().map(instance -> instance.uri("")).toList();
  }

  /** The run, the upstream's count, the answers by instance, and each instance's trouble lines. */
  private String report(int run, int upstreamCalls, List<Answer> answers) {
    StringBuilder report =
        new StringBuilder(
            String.format(
                "run %d: %d upstream call(s) for %d requests over %d fresh instances%n",
                run, upstreamCalls, answers.size(), instances.size()));
    for (int i = 0; i < instances.size(); i++) {
      int server = i;
      List<Answer> theirs = answers.stream().filter(a -> a.server() == server).toList();
      report.append(
          String.format(
              "instance %d (pid %d, %s): statuses %s, X-Cache %s, failures %s%n",
              i + 1,
              instances.get(i).pid(),
              instances.get(i).log(),
              tally(theirs.stream().map(a -> String.valueOf(a.status())).toList()),
              tally(theirs.stream().map(a -> a.header("X-Cache")).toList()),
              tally(theirs.stream().map(Answer::failure).filter(f -> !f.isEmpty()).toList())));
      troubleIn(instances.get(i).log())
          .forEach(line -> report.append("  ").append(line).append('\n'));
    }
    return report.toString();
  }

  private static Map<String, Long> tally(List<String> values) {
    return values.stream()
        .collect(Collectors.groupingBy(value -> value, TreeMap::new, Collectors.counting()));
  }

  /** The first lines of the log that tell of timeouts, outages or breakers, and how many more. */
  private static List<String> troubleIn(Path log) {
    try {
      List<String> trouble =
          Files.readAllLines(log).stream().filter(line -> TROUBLE.matcher(line).find()).toList();
      List<String> shown = new ArrayList<>(trouble.subList(0, Math.min(trouble.size(), 8)));
      if (trouble.size() > shown.size()) {
        shown.add("(" + (trouble.size() - shown.size()) + " more such lines)");
      }
      return shown;
    } catch (IOException e) {
      return List.of("(log not readable: " + e + ")");
    }
  }

  private static int freePort() {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
