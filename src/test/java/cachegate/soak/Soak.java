package cachegate.soak;

import cachegate.support.FakeUniversitiesApi;
import cachegate.support.HostileUpstream;
import cachegate.support.LaunchedGateway;
import cachegate.support.RedisServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.http.HttpClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The soak test, run by {@code bench/soak.sh} and not part of CI: cachegate's jar as a separate
 * process in front of a real {@code redis-server} and the fake universities API (answering in 50
 * ms), with TTL and stale-while-revalidate at 5 s so that entries expire and refresh during the
 * run, through a routes file ({@link SoakRoutes}) that adds two routes of large answers in front of
 * a {@link HostileUpstream}, and with a header timeout of {@link #HEADER_TIMEOUT}. {@code
 * --clients} loops (default 32) call it for {@code --minutes} (default 2) while a {@link
 * FaultInjector} kills, freezes, slows and breaks its dependencies in turn, and sends hostile
 * traffic of its own ({@link HostileFaults}). At the end it reads cachegate's limits from {@code
 * /metrics}, prints one Markdown table of what the clients saw, then stops everything.
 *
 * <p>The jar is {@code target/cachegate.jar}, or the one the system property {@code soak.jar}
 * names.
 *
 * <p>Exit code 0 when every answer was expected (200 for a valid query, 400 for an invalid one, or
 * 502/503/504 while the upstream failed for a key Redis held no entry for) and every check of the
 * hostile faults held; 1 when anything else was seen (another status, a wrong body, a client
 * timeout or I/O error, a large answer not whole, a slowloris connection left open too long); 2
 * when the run could not start.
 */
public final class Soak {
  static final Duration UPSTREAM_DELAY = Duration.ofMillis(50);
  static final Duration TTL = Duration.ofSeconds(5);

  /** cachegate's {@code CLIENT_HEADER_TIMEOUT}: short, so that slowloris bursts end in a slot. */
  static final Duration HEADER_TIMEOUT = Duration.ofSeconds(3);

  /** How long after the last request cachegate's {@code /metrics} is read. */
  static final Duration SETTLE = Duration.ofSeconds(2);

  private static final String USAGE = "usage: bench/soak.sh [--minutes N] [--clients C]";

  private Soak() {}

  public static void main(String[] args) throws InterruptedException {
    SoakOptions options;
    try {
      options = SoakOptions.parse(args);
    } catch (IllegalArgumentException e) {
      System.err.println("soak: " + e.getMessage() + "\n" + USAGE);
      System.exit(2);
      return;
    }
    Path jar = Path.of(System.getProperty("soak.jar", "target/cachegate.jar"));
    if (!Files.isRegularFile(jar)) {
      System.err.println("soak: no " + jar.toAbsolutePath() + "; build it first (bench/soak.sh)");
      System.exit(2);
      return;
    }
    List<AutoCloseable> opened = new ArrayList<>();
    Runtime.getRuntime().addShutdownHook(new Thread(() -> closeAll(opened), "soak-cleanup"));
    int exit;
    try {
      exit = run(options, jar, opened);
    } catch (RuntimeException e) {
      System.err.println("soak: the run could not complete: " + e);
      exit = 2;
    } finally {
      closeAll(opened);
    }
    System.exit(exit);
  }

  private static int run(SoakOptions options, Path jar, List<AutoCloseable> opened)
      throws InterruptedException {
    FakeUniversitiesApi upstream = open(opened, FakeUniversitiesApi.start());
    upstream.slow(UPSTREAM_DELAY);
    HostileUpstream hostileUpstream = open(opened, HostileUpstream.start());
    int port = freePort();
    HostileFaults hostile = open(opened, new HostileFaults(port, HEADER_TIMEOUT));
    RedisServer redis = RedisServer.start();
    FaultInjector faults =
        open(opened, new FaultInjector(redis, upstream, UPSTREAM_DELAY, hostile));
    Path directory = Path.of("target", "soak");
    Path routes = SoakRoutes.write(directory, upstream.url(), hostileUpstream.url(), TTL);
    LaunchedGateway gateway =
        open(
            opened,
            LaunchedGateway.start(
                jar,
                Map.of(
                    "CACHE_TYPE",
                    "redis",
                    "CACHE_REDIS_URL",
                    redis.url(),
                    "CACHEGATE_ROUTES",
                    routes.toString(),
                    "PORT",
                    String.valueOf(port),
                    "CACHE_STALE_WHILE_REVALIDATE",
                    String.valueOf(TTL.toSeconds()),
                    "CLIENT_HEADER_TIMEOUT",
                    String.valueOf(HEADER_TIMEOUT.toSeconds())),
                directory));
    HttpClient http =
        HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5))
            .build();
    gateway.awaitUp(http, Duration.ofSeconds(60));
    List<SoakQuery> queries = SoakQuery.mix(upstream);
    System.out.printf(
        "soak: cachegate pid %d at %s (log %s), redis pid %d at %s, upstream %s,"
            + " large answers' upstream %s; %d clients for %s%n",
        gateway.pid(),
        gateway.uri(""),
        gateway.log(),
        redis.pid(),
        redis.url(),
        upstream.url(),
        hostileUpstream.url(),
        options.clients(),
        options.length());

    long start = System.nanoTime();
    long end = start + options.length().toNanos();
    AtomicReference<Throwable> injectorFailure = new AtomicReference<>();
    Thread injector =
        new Thread(
            () -> {
              try {
                faults.run(start, end);
              } catch (InterruptedException | RuntimeException e) {
                injectorFailure.set(e);
              }
            },
            "soak-faults");
    injector.start();
    SoakTally tally =
        new SoakClients(
                "127.0.0.1",
                gateway.port(),
                queries,
                faults,
                new SoakTally(start, (int) options.length().toSeconds() + 60))
            .run(options.clients(), end);
    Duration lastAnswer = Duration.ofNanos(System.nanoTime() - start);
    injector.join();
    // What cachegate still holds once the last answers and their writes are done.
    Thread.sleep(SETTLE.toMillis());
    Optional<GatewayMetrics> metrics;
    try {
      metrics = Optional.of(GatewayMetrics.scrape(http, gateway.uri("/metrics")));
    } catch (IOException e) {
      System.out.println("soak: could not read cachegate's /metrics: " + e);
      metrics = Optional.empty();
    }

    SoakReport report =
        new SoakReport(
            options.length(),
            lastAnswer,
            options.clients(),
            queries.size(),
            (int) queries.stream().filter(query -> !query.isValid()).count(),
            tally,
            faults.injected(),
            upstream.requests(),
            hostileUpstream.requests(),
            hostile.tally(),
            metrics,
            gateway.memory());
    System.out.println();
    System.out.print(report.render());
    if (injectorFailure.get() != null) {
      System.out.println("The fault injector failed: " + injectorFailure.get());
      return 1;
    }
    return report.passed() ? 0 : 1;
  }

  private static <T extends AutoCloseable> T open(List<AutoCloseable> opened, T resource) {
    synchronized (opened) {
      opened.add(resource);
    }
    return resource;
  }

  /** Closes everything opened, last first, once; later calls find nothing left. */
  private static void closeAll(List<AutoCloseable> opened) {
    synchronized (opened) {
      for (int i = opened.size() - 1; i >= 0; i--) {
        try {
          opened.get(i).close();
        } catch (Exception e) {
          System.err.println("soak: closing " + opened.get(i) + " failed: " + e);
        }
      }
      opened.clear();
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
