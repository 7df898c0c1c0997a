package cachegate.soak;

import cachegate.support.HostileUpstream;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.GZIPInputStream;

/**
 * Asks cachegate for large answers from a {@link HostileUpstream} route, each on its own thread and
 * its own HTTP/1.1 client, and checks each as it streams in, never holding it: status 200, the
 * exact bytes the upstream sent ({@link HostileUpstream#mismatch}), and the {@code X-Cache} and
 * {@code Cache-Status} the route's size calls for. Every other request accepts gzip: an answer
 * passed on must still come unchanged, a stored one may come compressed and is inflated to compare.
 */
final class LargeAnswerClients implements AutoCloseable {
  /** How long a request may wait for its answer's headers. */
  static final Duration HEADERS_WITHIN = Duration.ofSeconds(30);

  private static final Pattern DETAIL = Pattern.compile("detail=([a-z-]+)");

  /**
   * One route whose upstream answers every query with {@code bytes} of JSON.
   *
   * @param path where cachegate serves it
   * @param upstreamPath the path cachegate asks the upstream, before {@code ?q=}
   * @param kept whether answers of this size may be stored
   */
  record LargeRoute(String path, String upstreamPath, long bytes, boolean kept) {}

  /** Requests under way; {@link #await} waits for them. */
  record Running(Fault fault, List<Future<?>> requests) {}

  private final HttpClient http =
      HttpClient.newBuilder()
          .version(HttpClient.Version.HTTP_1_1)
          .connectTimeout(Duration.ofSeconds(5))
          .build();
  private final ExecutorService threads =
      Executors.newCachedThreadPool(
          task -> {
            Thread thread = new Thread(task, "soak-large-answers");
            thread.setDaemon(true);
            return thread;
          });
  private final Function<String, URI> uris;
  private final HostileTally tally;

  /**
   * @param uris turns a path and query into cachegate's URI
   */
  LargeAnswerClients(Function<String, URI> uris, HostileTally tally) {
    this.uris = uris;
    this.tally = tally;
  }

  /**
   * Starts {@code clients} loops that ask {@code route} until {@code untilNanos} (as {@link
   * System#nanoTime()}), over three keys, so that some requests meet another's fetch of its key.
   */
  Running loop(Fault fault, LargeRoute route, int clients, long untilNanos) {
    List<Future<?>> loops = new ArrayList<>();
    for (int client = 0; client < clients; client++) {
      int first = client;
      loops.add(
          threads.submit(
              () -> {
                for (int i = first; System.nanoTime() - untilNanos < 0; i += clients) {
                  ask(fault, route, "k" + (i % 3), (i & 1) == 1);
                }
              }));
    }
    return new Running(fault, loops);
  }

  /** Sends {@code requests} at once, each for a key of its own, named after {@code burst}. */
  Running burst(Fault fault, LargeRoute route, int requests, int burst) {
    List<Future<?>> sent = new ArrayList<>();
    for (int i = 0; i < requests; i++) {
      String key = "b" + burst + "-" + i;
      boolean gzip = (i & 1) == 1;
      sent.add(threads.submit(() -> ask(fault, route, key, gzip)));
    }
    return new Running(fault, sent);
  }

  /**
   * Waits up to {@code atMost} for the requests to end; those still going then are interrupted, and
   * each request interrupted counts as failed.
   *
   * @return how many requests (or loops of requests) were still going
   */
  int await(Running running, Duration atMost) throws InterruptedException {
    long deadline = System.nanoTime() + atMost.toNanos();
    int unfinished = 0;
    for (Future<?> request : running.requests()) {
      try {
        request.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
      } catch (TimeoutException e) {
        request.cancel(true);
        unfinished++;
      } catch (ExecutionException e) {
        tally.failed(running.fault(), "client failed: " + e.getCause());
      }
    }
    return unfinished;
  }

  private void ask(Fault fault, LargeRoute route, String key, boolean gzip) {
    String asked = route.path() + "?q=" + key;
    HttpRequest.Builder request =
        HttpRequest.newBuilder(uris.apply(asked)).timeout(HEADERS_WITHIN).GET();
    if (gzip) {
      request.header("Accept-Encoding", "gzip");
    }
    tally.sent(fault);
    long started = System.nanoTime();
    try {
      HttpResponse<InputStream> answer =
          http.send(request.build(), HttpResponse.BodyHandlers.ofInputStream());
      try (InputStream body = answer.body()) {
        Optional<String> problem = check(route, answer, body, route.upstreamPath() + "?q=" + key);
        if (problem.isPresent()) {
          tally.failed(fault, asked + (gzip ? " (gzip)" : "") + ": " + problem.get());
        } else {
          tally.whole(fault, detail(answer), System.nanoTime() - started);
        }
      }
    } catch (IOException e) {
      tally.failed(fault, asked + (gzip ? " (gzip)" : "") + ": " + e);
    } catch (InterruptedException e) {
      tally.failed(fault, asked + (gzip ? " (gzip)" : "") + ": still going when time was up");
      Thread.currentThread().interrupt();
    }
  }

  /** What is wrong with an answer, read to its end: empty when nothing. */
  private static Optional<String> check(
      LargeRoute route, HttpResponse<InputStream> answer, InputStream body, String target)
      throws IOException {
    String headers =
        "(X-Cache "
            + answer.headers().firstValue("X-Cache").orElse("none")
            + ", Cache-Status "
            + answer.headers().firstValue("Cache-Status").orElse("none")
            + ")";
    if (answer.statusCode() != 200) {
      return Optional.of("answered " + answer.statusCode() + " " + headers);
    }
    Optional<String> encoding = answer.headers().firstValue("Content-Encoding");
    if (!route.kept() && encoding.isPresent()) {
      return Optional.of("passed on with Content-Encoding " + encoding.get() + " " + headers);
    }
    boolean gzipped = encoding.filter("gzip"::equalsIgnoreCase).isPresent();
    long mismatch =
        HostileUpstream.mismatch(
            gzipped ? new GZIPInputStream(body, 16 * 1024) : body, target, route.bytes());
    if (mismatch >= 0) {
      return Optional.of("body differs from the upstream's at byte " + mismatch + " " + headers);
    }
    String detail = detail(answer);
    boolean passedOn = detail.equals("detail=too-large") || detail.equals("detail=no-memory");
    if (!route.kept()
        && !(passedOn && answer.headers().firstValue("X-Cache").orElse("").equals("MISS"))) {
      return Optional.of("not passed on as too large or for want of memory " + headers);
    }
    if (route.kept() && detail.equals("detail=too-large")) {
      return Optional.of("passed on as too large, but within maxEntryBytes " + headers);
    }
    return Optional.empty();
  }

  /** The {@code detail} of {@code Cache-Status}, else whether it says stored, hit or neither. */
  private static String detail(HttpResponse<?> answer) {
    String status = answer.headers().firstValue("Cache-Status").orElse("");
    Matcher detail = DETAIL.matcher(status);
    if (detail.find()) {
      return "detail=" + detail.group(1);
    }
    if (status.contains("; stored")) {
      return "stored";
    }
    return status.contains("; hit") ? "hit" : "neither stored nor a detail";
  }

  @Override
  public void close() {
    threads.shutdownNow();
  }
}
