package cachegate.engine;

import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * At most one operation in flight per key in this process: callers that arrive while one runs get
 * its future instead of starting another.
 *
 * <p>Threading: thread-safe and lock-free. The operation is started outside any map compute
 * function (no I/O inside {@code compute}, as Caffeine warns). Its future leaves the map when what
 * the operation does after its result is done (see {@link #join}); a caller arriving after that
 * starts a new operation. What follows a result never fails its callers, who have the result by
 * then: a failure there (a bug) is logged with its stack trace.
 *
 * @param <K> the key type
 * @param <V> the result type
 */
final class Coalescer<K, V> {
  private static final Logger LOG = System.getLogger(Coalescer.class.getName());

  /**
   * One caller's view of an operation.
   *
   * @param result completes with the operation's result
   * @param leader whether this caller started the operation (others joined it)
   */
  record Flight<V>(CompletableFuture<V> result, boolean leader) {}

  private final ConcurrentMap<K, CompletableFuture<V>> inFlight = new ConcurrentHashMap<>();

  /**
   * Joins the operation running for {@code key}, or starts {@code operation} if there is none.
   *
   * @param afterwards started with a successful result once the callers have it, for what the
   *     operation still does with it (writing it to a store, say); the key stays taken until that
   *     completes, so a caller arriving meanwhile gets the result instead of starting another
   *     operation. A failed operation frees the key before its callers see the failure.
   */
  Flight<V> join(
      K key,
      Supplier<CompletableFuture<V>> operation,
      Function<? super V, ? extends CompletionStage<?>> afterwards) {
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
          if (failure != null) {
            inFlight.remove(key, mine);
            mine.completeExceptionally(failure);
            return;
          }
          mine.complete(value);
          after(value, afterwards)
              .whenComplete((done, problem) -> afterwardsDone(key, mine, problem));
        });
    return new Flight<>(mine, true);
  }

  private static <V> CompletionStage<?> after(
      V value, Function<? super V, ? extends CompletionStage<?>> afterwards) {
    try {
      return Objects.requireNonNull(afterwards.apply(value), "what follows returned null");
    } catch (RuntimeException e) {
      return CompletableFuture.failedFuture(e);
    }
  }

  /** Frees the key; a failure of what followed the result reaches no caller, so it is logged. */
  private void afterwardsDone(K key, CompletableFuture<V> mine, Throwable problem) {
    inFlight.remove(key, mine);
    if (problem != null) {
      LOG.log(
          Level.ERROR,
          "what follows the result of the operation for " + key + " failed",
          Failures.unwrap(problem));
    }
  }

  /** How many operations are in flight now. */
  int inFlight() {
    return inFlight.size();
  }
}
