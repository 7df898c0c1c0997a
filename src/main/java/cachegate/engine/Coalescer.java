package cachegate.engine;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.function.Supplier;

/**
 * At most one operation in flight per key in this process: callers that arrive while one runs get
 * its future instead of starting another.
 *
 * <p>Threading: thread-safe and lock-free. The operation is started outside any map compute
 * function (no I/O inside {@code compute}, as Caffeine warns), and its future is removed from the
 * map when it completes, before callers see the result, so a caller arriving after completion
 * starts a new operation.
 *
 * @param <K> the key type
 * @param <V> the result type
 */
public final class Coalescer<K, V> {
  /**
   * One caller's view of an operation.
   *
   * @param result completes with the operation's result
   * @param leader whether this caller started the operation (others joined it)
   */
  public record Flight<V>(CompletableFuture<V> result, boolean leader) {}

  private final ConcurrentMap<K, CompletableFuture<V>> inFlight = new ConcurrentHashMap<>();

  /** Joins the operation running for {@code key}, or starts {@code operation} if there is none. */
  public Flight<V> join(K key, Supplier<CompletableFuture<V>> operation) {
    CompletableFuture<V> mine = new CompletableFuture<>();
    CompletableFuture<V> running = inFlight.putIfAbsent(key, mine);
    if (running != null) {
      return new Flight<>(running, false);
    }
    CompletableFuture<V> started;
    try {
      started = operation.get();
    } catch (RuntimeException e) {
      started = CompletableFuture.failedFuture(e);
    }
    started.whenComplete(
        (value, failure) -> {
          inFlight.remove(key, mine);
          if (failure != null) {
            mine.completeExceptionally(failure);
          } else {
            mine.complete(value);
          }
        });
    return new Flight<>(mine, true);
  }

  /** How many operations are in flight now. */
  public int inFlight() {
    return inFlight.size();
  }
}
