package cachegate.engine;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * An upstream that answers {@code ["<redisKey>"]} at once, or fails when told, and counts calls.
 */
final class CountingUpstream implements Upstream {
  private final AtomicInteger calls = new AtomicInteger();
  private final List<CacheKey> keys = new CopyOnWriteArrayList<>();
  private volatile UpstreamException failure;

  @Override
  public CompletableFuture<UpstreamResponse> fetch(CacheKey key) {
    calls.incrementAndGet();
    keys.add(key);
    if (failure != null) {
      return CompletableFuture.failedFuture(failure);
    }
    return CompletableFuture.completedFuture(
        new UpstreamResponse(200, "application/json", body(key)));
  }

  static byte[] body(CacheKey key) {
    return ("[\"" + key.redisKey() + "\"]").getBytes(StandardCharsets.UTF_8);
  }

  void failWith(UpstreamException failure) {
    this.failure = failure;
  }

  int calls() {
    return calls.get();
  }

  List<CacheKey> keys() {
    return List.copyOf(keys);
  }
}
