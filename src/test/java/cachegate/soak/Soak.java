package cachegate.soak;

import cachegate.support.FakeUniversitiesApi;
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
import java.util.concurrent.atomic.AtomicReference;

/**
 * The soak test, run by {@code bench/soak.sh} and not part of CI: cachegate's jar as a separate
 * process in front of a real {@code redis-server} and the fake universities API (answering in 50
 * ms), with TTL and stale-while-revalidate at 5 s so that entries expire and refresh during the
 * run. {@code --clients} loops (default 32) call it for {@code --minutes} (default 2) while a
 * {@link FaultInjector} kills, freezes, slows and breaks its dependencies in turn. At the end it
 * prints one Markdown table of what the clients saw, then stops everything.
 *
 * <p>The jar is {@code target/cachegate.jar}, or the one the system property {@code soak.jar}
 * names.
 *
 * <p>Exit code 0 when every answer was expected (200 for a valid query, 400 for an invalid one, or
 * 502/503/504 while the upstream failed for a key Redis held no entry for); 1 when anything else
 * was seen (another status, a wrong body, a client timeout or I/O error); 2 when the run could not
 * start.
 */
public final class Soak {
  static final Duration UPSTREAM_DELAY = Duration.ofMillis(50);
  private static final String USAGE = "usage: bench/soak.sh [--minutes N] [--clients C]";

  private Soak() {}

  /**
   * The run's parameters.
   *
   * @param length how long the clients run
   * @param clients how many client loops run at once
   */
  record Options(Duration length, int clients) {
    static Options parse(String... args) {
      double minutes = 2;
      int clients = 32;
      for (int i = 0; i < args.length; i += 2) {
        if (i + 1 >= args.length) {
          throw new IllegalArgumentException(args[i] + " needs a value");
        }
        try {
          switch (args[i]) {
            case "--minutes" -> minutes = Double.parseDouble(args[i + 1]);
            case "--clients" -> clients = Integer.parseInt(args[i + 1]);
            default -> throw new IllegalArgumentException("unknown argument " + args[i]);
          }
        } catch (NumberFormatException e) {
          throw new IllegalArgumentException(args[i] + " must be a number, was " + args[i + 1]);
        }
      }
      if (!(minutes > 0) || clients < 1) {
        throw new IllegalArgumentException(
            "--minutes and --clients must be positive, were " + minutes + " and " + clients);
      }
      return new Options(Duration.ofMillis(Math.round(minutes * 60_000)), clients);
    }
  }

  public static void main(String[] args) throws InterruptedException {
    Options options;
    try {
      options = Options.parse(args);
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

  private static int run(Options options, Path jar, List<AutoCloseable> opened)
      throws InterruptedException {
    FakeUniversitiesApi upstream = open(opened, FakeUniversitiesApi.start());
    upstream.slow(UPSTREAM_DELAY);
    RedisServer redis = RedisServer.start();
    FaultInjector faults = open(opened, new FaultInjector(redis, upstream, UPSTREAM_DELAY));
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
                    "UNIVERSITIES_API_URL",
                    upstream.url(),
                    "PORT",
                    String.valueOf(freePort()),
                    "UNIVERSITIES_CACHE_TIMEOUT",
                    "5",
                    "CACHE_STALE_WHILE_REVALIDATE",
                    "5"),
                Path.of("target", "soak")));
    HttpClient http =
        HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5))
            .build();
    gateway.awaitUp(http, Duration.ofSeconds(60));
    List<SoakQuery> queries = SoakQuery.mix(upstream);
    System.out.printf(
        "soak: cachegate pid %d at %s (log %s), redis pid %d at %s, upstream %s;"
            + " %d clients for %s%n",
        gateway.pid(),
        gateway.uri(""),
        gateway.log(),
        redis.pid(),
        redis.url(),
        upstream.url(),
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
                http,
                gateway::uri,
                queries,
                faults,
                new SoakTally(start, (int) options.length().toSeconds() + 60))
            .run(options.clients(), end);
    Duration lastAnswer = Duration.ofNanos(System.nanoTime() - start);
    injector.join();

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
