package cachegate.engine;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Runs the engine's waits: looking again for a peer's answer, renewing a fetch lease. Production
 * runs them on the event loop that asks (see {@code store.LoopScheduler}), so that the Redis
 * commands they send are written at once by the thread that owns the connection, and no thread is
 * started per wait. Implementations never block the caller and are thread-safe.
 */
@FunctionalInterface
public interface Scheduler {
  /** Runs {@code task} once, {@code delay} from now. */
  void schedule(Duration delay, Runnable task);

  /** On the JDK's shared delay thread and pool, for callers that have no event loops (tests). */
  static Scheduler ofJdk() {
    return (delay, task) ->
        CompletableFuture.delayedExecutor(delay.toNanos(), TimeUnit.NANOSECONDS).execute(task);
  }
}
