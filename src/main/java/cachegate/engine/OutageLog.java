package cachegate.engine;

import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Logs when a dependency starts failing and when it recovers, not every failure in between, so an
 * outage gives one clear line instead of one per request. Thread-safe.
 */
public final class OutageLog {
  private static final Logger LOG = System.getLogger(OutageLog.class.getName());

  private final String dependency;
  private final AtomicBoolean failing = new AtomicBoolean();

  public OutageLog(String dependency) {
    this.dependency = dependency;
  }

  /** Records a failure; logs it only if the dependency was healthy until now. */
  public void failed(String whatFailed, String servedInstead) {
    if (failing.compareAndSet(false, true)) {
      LOG.log(
          Level.WARNING,
          "{0} is failing: {1}; serving {2} until it recovers (further failures not logged)",
          dependency,
          whatFailed,
          servedInstead);
    }
  }

  /** Records a success; logs the recovery if the dependency was failing. */
  public void succeeded() {
    if (failing.get() && failing.compareAndSet(true, false)) {
      LOG.log(Level.INFO, "{0} has recovered", dependency);
    }
  }

  /** Whether the last call to this dependency failed. */
  public boolean isFailing() {
    return failing.get();
  }
}
