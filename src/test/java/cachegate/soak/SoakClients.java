package cachegate.soak;

import cachegate.soak.SoakTally.Verdict;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Client loops that call cachegate over HTTP/1.1 until a deadline, each on its own thread, each
 * request with a {@link #REQUEST_TIMEOUT}, picking queries of the mix at random; every other
 * request accepts gzip. Each request carries an {@code X-Request-Id} ({@code soak-<client>-<n>}),
 * which cachegate's access log names, so that a request that failed can be looked for there. Each
 * answer is judged: the expected status, the exact upstream JSON for an identity 200 (gzip magic
 * bytes for a gzip one), and for a 502/503/504 whether the upstream was failing and Redis held
 * nothing stale for the key (asked with {@code EXISTS} right after).
 */
final class SoakClients {
  static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(10);
  private static final Set<Integer> UPSTREAM_ERRORS = Set.of(502, 503, 504);
  private static final Pattern CACHE_STATUS_KEY = Pattern.compile("key=\"([^\"]+)\"");

  private final HttpClient http;
  private final Function<String, URI> uris;
  private final List<SoakQuery> queries;
  private final FaultInjector faults;
  private final SoakTally tally;

  /**
   * @param uris turns a path and query into cachegate's URI
   */
  SoakClients(
      HttpClient http,
      Function<String, URI> uris,
      List<SoakQuery> queries,
      FaultInjector faults,
      SoakTally tally) {
    this.http = http;
    this.uris = uris;
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

  private void loop(int seed, long endNanos) throws InterruptedException {
    SplittableRandom random = new SplittableRandom(seed);
    long[] latencies = new long[1 << 14];
    int answered = 0;
    try {
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
          HttpResponse<byte[]> answer =
              http.send(request(query, gzip, id), HttpResponse.BodyHandlers.ofByteArray());
          if (answered == latencies.length) {
            latencies = Arrays.copyOf(latencies, answered * 2);
          }
          latencies[answered++] = System.nanoTime() - started;
          judge(query, answer, phase, upstreamFailing);
        } catch (HttpTimeoutException e) {
          tally.timedOut(phase, query);
          tally.sample(phase + ": " + query + " no answer, " + id + " sent at " + sent);
        } catch (IOException e) {
          tally.failed(phase, query, e.getClass().getSimpleName());
          tally.sample(phase + ": " + query + " failed, " + id + " sent at " + sent + ": " + e);
        }
      }
    } finally {
      tally.latencies(latencies, answered);
    }
  }

  private HttpRequest request(SoakQuery query, boolean gzip, String id) {
    HttpRequest.Builder request =
        HttpRequest.newBuilder(uris.apply(query.pathAndQuery()))
            .timeout(REQUEST_TIMEOUT)
            .header("X-Request-Id", id)
            .GET();
    if (gzip) {
      request.header("Accept-Encoding", "gzip");
    }
    return request.build();
  }

  private void judge(
      SoakQuery query, HttpResponse<byte[]> answer, String phase, boolean upstreamFailing) {
    int status = answer.statusCode();
    if (status == query.expectedStatus()) {
      tally.answered(status, Verdict.EXPECTED, phase, query);
      if (status == 200) {
        checkServed(query, answer, phase);
      }
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

  private void checkServed(SoakQuery query, HttpResponse<byte[]> answer, String phase) {
    answer.headers().firstValue("X-Cache").ifPresent(tally::servedWith);
    answer
        .headers()
        .firstValue("Cache-Status")
        .map(CACHE_STATUS_KEY::matcher)
        .filter(Matcher::find)
        .ifPresent(key -> query.rememberRedisKey(key.group(1)));
    byte[] body = answer.body();
    boolean gzipped =
        answer
            .headers()
            .firstValue("Content-Encoding")
            .filter("gzip"::equalsIgnoreCase)
            .isPresent();
    boolean right =
        gzipped
            ? body.length > 2 && body[0] == (byte) 0x1f && body[1] == (byte) 0x8b
            : query.isExpectedBody(body);
    if (!right) {
      tally.wrongBody(phase, query);
      tally.sample(phase + ": " + query + " answered 200 with a wrong body " + describe(answer));
    }
  }

  private static String describe(HttpResponse<byte[]> answer) {
    String body = new String(answer.body(), StandardCharsets.UTF_8);
    return "(X-Cache "
        + answer.headers().firstValue("X-Cache").orElse("none")
        + ", Cache-Status "
        + answer.headers().firstValue("Cache-Status").orElse("none")
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
