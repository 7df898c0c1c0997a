package cachegate.soak;

import cachegate.soak.SoakTally.Verdict;
import cachegate.support.KeepAliveClient;
import cachegate.support.RawAnswer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Client loops that call cachegate over HTTP/1.1 until a deadline, each on its own thread with its
 * own keep-alive connection ({@link KeepAliveClient}, raw sockets: no pool or selector shared
 * between loops, no retry), picking queries of the mix at random; every other request accepts gzip.
 * A request times out when cachegate sends no byte of its answer for {@link #REQUEST_TIMEOUT}. Each
 * request carries an {@code X-Request-Id} ({@code soak-<client>-<n>}), which cachegate's access log
 * names and echoes, so that a request that failed can be looked for there, and an answer to another
 * request shows. Each answer is judged: the expected status, the exact upstream JSON for a 200
 * (inflated first when gzip), and for a 502/503/504 whether the upstream was failing and Redis held
 * nothing stale for the key (asked with {@code EXISTS} right after).
 */
final class SoakClients {
  static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(10);
  private static final Set<Integer> UPSTREAM_ERRORS = Set.of(502, 503, 504);
  private static final Pattern CACHE_STATUS_KEY = Pattern.compile("key=\"([^\"]+)\"");
  private static final String REQUEST_ID = "X-Request-Id";

  private final String host;
  private final int port;
  private final List<SoakQuery> queries;
  private final FaultInjector faults;
  private final SoakTally tally;

  /** Clients of cachegate at {@code host:port}. */
  SoakClients(
      String host, int port, List<SoakQuery> queries, FaultInjector faults, SoakTally tally) {
    this.host = host;
    this.port = port;
    this.queries = List.copyOf(queries);
    this.faults = faults;
    this.tally = tally;
  }

  /** Runs {@code clients} loops until {@code endNanos} and returns what they saw. */
  SoakTally run(int clients, long endNanos) throws InterruptedException {
    ExecutorService threads = Executors.newFixedThreadPool(clients);
    try {
      List<Callable<Void>> loops = new ArrayList<>();
      for (int client = 0; client < clients; client++) {
        int seed = client;
        loops.add(
            () -> {
              loop(seed, endNanos);
              return null;
            });
      }
      for (Future<Void> loop : threads.invokeAll(loops)) {
        try {
          loop.get();
        } catch (ExecutionException e) {
          throw new IllegalStateException("a client loop failed", e.getCause());
        }
      }
    } finally {
      threads.shutdownNow();
    }
    return tally;
  }

  private void loop(int seed, long endNanos) {
    SplittableRandom random = new SplittableRandom(seed);
    long[] latencies = new long[1 << 14];
    int answered = 0;
    try (KeepAliveClient client = new KeepAliveClient(host, port, REQUEST_TIMEOUT)) {
      for (long i = seed; System.nanoTime() - endNanos < 0; i++) {
        SoakQuery query = queries.get(random.nextInt(queries.size()));
        boolean gzip = (i & 1) == 1;
        FaultInjector.Phase now = faults.phase();
        String phase = now.label();
        boolean upstreamFailing = now.fault().upstreamFails();
        String id = "soak-" + seed + "-" + i;
        Instant sent = Instant.now();
        long started = System.nanoTime();
        try {
          RawAnswer answer =
              client.get(
                  query.pathAndQuery(),
                  gzip
                      ? Map.of(REQUEST_ID, id, "Accept-Encoding", "gzip")
                      : Map.of(REQUEST_ID, id));
          if (answered == latencies.length) {
            latencies = Arrays.copyOf(latencies, answered * 2);
          }
          latencies[answered++] = System.nanoTime() - started;
          judge(query, answer, id, phase, upstreamFailing);
        } catch (KeepAliveClient.Failure e) {
          tally(e, phase, query, id, sent);
        }
      }
    } finally {
      tally.latencies(latencies, answered);
    }
  }

  private void tally(
      KeepAliveClient.Failure failure, String phase, SoakQuery query, String id, Instant sent) {
    if (!failure.timedOut()) {
      tally.failed(phase, query, failure.getCause().getClass().getSimpleName());
      tally.sample(
          phase
              + ": "
              + query
              + " failed, "
              + id
              + " sent at "
              + sent
              + ": "
              + failure.getMessage());
      return;
    }
    tally.timedOut(phase, query);
    tally.sample(
        String.format(
            Locale.ROOT,
            "%s: %s no byte of the answer for %d s, %d bytes of it had arrived, local port %d"
                + " (%d answers on the connection before), %s sent at %s",
            phase,
            query,
            REQUEST_TIMEOUT.toSeconds(),
            failure.receivedBytes(),
            failure.localPort(),
            failure.earlierAnswers(),
            id,
            sent));
  }

  private void judge(
      SoakQuery query, RawAnswer answer, String id, String phase, boolean upstreamFailing) {
    Optional<String> echoed = answer.header(REQUEST_ID);
    if (echoed.isPresent() && !echoed.get().equals(id)) {
      tally.failed(phase, query, "answer to another request");
      tally.sample(
          phase
              + ": "
              + query
              + " "
              + id
              + " got the answer to "
              + echoed.get()
              + describe(answer));
      return;
    }
    int status = answer.status();
    if (status == query.expectedStatus()) {
      tally.answered(status, Verdict.EXPECTED, phase, query);
      if (status == 200) {
        checkServed(query, answer, phase);
      }
      return;
    }
    if (query.isBudgeted()
        && status == 503
        && answer.header("Retry-After").isPresent()
        && new String(answer.body(), StandardCharsets.UTF_8).contains("rate budget")) {
      tally.answered(status, Verdict.BUDGET_SPENT, phase, query);
      return;
    }
    if (query.isValid() && UPSTREAM_ERRORS.contains(status) && upstreamFailing) {
      Optional<Boolean> stored = query.redisKey().map(this::redisHolds).orElse(Optional.of(false));
      if (stored.equals(Optional.of(false))) {
        tally.answered(status, Verdict.UPSTREAM_ERROR_NOTHING_STALE, phase, query);
        return;
      }
    }
    tally.answered(status, Verdict.UNEXPECTED, phase, query);
    tally.sample(phase + ": " + query + " answered " + status + " " + describe(answer));
  }

  private void checkServed(SoakQuery query, RawAnswer answer, String phase) {
    answer.header("X-Cache").ifPresent(tally::servedWith);
    answer
        .header("Cache-Status")
        .map(CACHE_STATUS_KEY::matcher)
        .filter(Matcher::find)
        .ifPresent(key -> query.rememberRedisKey(key.group(1)));
    boolean gzipped =
        answer.header("Content-Encoding").filter("gzip"::equalsIgnoreCase).isPresent();
    boolean right =
        gzipped ? query.isExpectedGzip(answer.body()) : query.isExpectedBody(answer.body());
    if (!right) {
      tally.wrongBody(phase, query);
      tally.sample(phase + ": " + query + " answered 200 with a wrong body " + describe(answer));
    }
  }

  private static String describe(RawAnswer answer) {
    String body = new String(answer.body(), StandardCharsets.UTF_8);
    return "(X-Cache "
        + answer.header("X-Cache").orElse("none")
        + ", Cache-Status "
        + answer.header("Cache-Status").orElse("none")
        + ", Content-Encoding "
        + answer.header("Content-Encoding").orElse("none")
        + "): "
        + (body.length() > 200 ? body.substring(0, 200) + "…" : body);
  }

  /** Whether Redis holds {@code key} now; empty when Redis does not answer within a second. */
  private Optional<Boolean> redisHolds(String key) {
    try (Socket socket = new Socket()) {
      socket.connect(new InetSocketAddress("127.0.0.1", faults.redisPort()), 1_000);
      socket.setSoTimeout(1_000);
      byte[] name = key.getBytes(StandardCharsets.UTF_8);
      OutputStream out = socket.getOutputStream();
      out.write(
          ("*2\r\n$6\r\nEXISTS\r\n$" + name.length + "\r\n").getBytes(StandardCharsets.US_ASCII));
      out.write(name);
      out.write("\r\n".getBytes(StandardCharsets.US_ASCII));
      out.flush();
      InputStream in = socket.getInputStream();
      byte[] reply = new byte[2];
      int read = in.readNBytes(reply, 0, 2);
      if (read == 2 && reply[0] == ':') {
        return Optional.of(reply[1] != '0');
      }
      return Optional.empty();
    } catch (IOException e) {
      return Optional.empty();
    }
  }
}
