package cachegate.engine;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * An upstream that answers {@code ["<redisKey>",<call number>]}, so that every call gives a
 * different body, or fails when told, and counts calls. It answers at once, or, after {@link
 * #holdAnswers()}, only when the test completes the returned future, so that concurrency is
 * deterministic.
 */
final class CountingUpstream implements Upstream {
  private final AtomicInteger calls = new AtomicInteger();
  private final List<CacheKey> keys = new CopyOnWriteArrayList<>();
  private volatile UpstreamException failure;
  private volatile CompletableFuture<Void> gate = CompletableFuture.completedFuture(null);

  @Override
  public CompletableFuture<UpstreamResponse> fetch(CacheKey key) {
    int call = calls.incrementAndGet();
    keys.add(key);
    UpstreamException failure = this.failure;
    CompletableFuture<UpstreamResponse> answer =
        failure != null
            ? CompletableFuture.failedFuture(failure)
            : CompletableFuture.completedFuture(
                new UpstreamResponse(200, "application/json", body(key, call)));
    CompletableFuture<Void> gate = this.gate;
    return gate.isDone() ? answer : gate.thenCompose(open -> answer);
  }

  /** The body of the {@code call}-th answer (counting from 1) for {@code key}. */
  static byte[] body(CacheKey key, int call) {
    return ("[\"" + key.redisKey() + "\"," + call + "]").getBytes(StandardCharsets.UTF_8);
  }

  /** Fails every later call with {@code failure}. */
  void failWith(UpstreamException failure) {
    this.failure = failure;
  }

  /** Answers every later call only once the returned future is completed. */
  CompletableFuture<Void> holdAnswers() {
    CompletableFuture<Void> held = new CompletableFuture<>();
    this.gate = held;
    return held;
  }

  int calls() {
    return calls.get();
  }

  List<CacheKey> keys() {
    return List.copyOf(keys);
  }
}
