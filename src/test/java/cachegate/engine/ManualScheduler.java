package cachegate.engine;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * A scheduler that runs nothing by itself: a test runs what is due with {@link #runScheduled()}, so
 * waits and renewals happen exactly when it says. Thread-safe.
 */
final class ManualScheduler implements Scheduler {
  private final List<Runnable> scheduled = new ArrayList<>();

  @Override
  public synchronized void schedule(Duration delay, Runnable task) {
    scheduled.add(task);
  }

  /**
   * Runs every task scheduled so far, whatever its delay; tasks they schedule wait for the next.
   */
  void runScheduled() {
    List<Runnable> due;
    synchronized (this) {
      due = List.copyOf(scheduled);
      scheduled.clear();
    }
    due.forEach(Runnable::run);
  }

  /** How many tasks wait to be run. */
  synchronized int pending() {
    return scheduled.size();
  }
}
