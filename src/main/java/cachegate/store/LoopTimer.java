package cachegate.store;

import io.netty.channel.EventLoop;
import io.netty.util.Timeout;
import io.netty.util.Timer;
import io.netty.util.TimerTask;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * Lettuce's timer (command timeouts, reconnection delays) on the event loops the connections run
 * on: a task is scheduled on the loop of the thread that asks, else on the first.
 *
 * <p>A task that falls due waits for one more pass of its loop over the sockets before it runs:
 * under a burst a loop can spend longer than a command timeout in one pass (reading and routing a
 * hundred requests while the JIT is still compiling), and Redis's replies, which arrived meanwhile,
 * are read only in the next pass. Without that wait, the timeouts ran first and failed commands
 * whose replies had already arrived: seen as a Redis outage, the breaker opened and each of three
 * freshly started instances fetched a cold key on its own (200 concurrent requests: 2 or 3 upstream
 * calls in 4 of 5 runs; with the wait, 1 call in 15 of 15). A reply that has not arrived after that
 * pass is late because of Redis or the network, and the command fails as before.
 *
 * <p>Why not Netty's {@code HashedWheelTimer}: a timeout cancelled there stays in its wheel, with
 * its finished command and the command's reply, until the timer next turns. At 14,000 Redis-only
 * hits/s on a 41 KB entry, a 10 ms turn kept ~6 MB of replies alive, more than the young
 * generation's survivor space: they were promoted and cost five 20 ms full collections in 4 s. A
 * task cancelled on its own loop leaves the loop's queue at once.
 */
final class LoopTimer implements Timer {
  private final List<EventLoop> loops;

  /** Schedules on {@code loops}, which stay their owner's: {@link #stop} does not touch them. */
  LoopTimer(List<EventLoop> loops) {
    this.loops = List.copyOf(loops);
  }

  /** The index in {@code loops} of the loop this runs on, else 0. */
  static int current(List<EventLoop> loops) {
    for (int i = 0; i < loops.size(); i++) {
      if (loops.get(i).inEventLoop()) {
        return i;
      }
    }
    return 0;
  }

  @Override
  public Timeout newTimeout(TimerTask task, long delay, TimeUnit unit) {
    EventLoop chosen = loops.get(current(loops));
    LoopTimeout timeout = new LoopTimeout(this, task, chosen);
    timeout.scheduled = chosen.schedule(timeout, delay, unit);
    if (timeout.cancelled) {
      // Cancelled by another thread before it was scheduled.
      timeout.scheduled.cancel(false);
    }
    return timeout;
  }

  /** Nothing to release: the tasks left are cancelled by their owners or run harmlessly. */
  @Override
  public Set<Timeout> stop() {
    return Set.of();
  }

  private static final class LoopTimeout implements Timeout, Runnable {
    private final Timer timer;
    private final TimerTask task;
    private final EventLoop loop;
    private volatile ScheduledFuture<?> scheduled;
    private volatile boolean cancelled;
    private volatile boolean expired;

    /** Whether the task has waited for its loop's next pass over the sockets; loop thread only. */
    private boolean waitedForIo;

    LoopTimeout(Timer timer, TimerTask task, EventLoop loop) {
      this.timer = timer;
      this.task = task;
      this.loop = loop;
    }

    @Override
    public void run() {
      if (cancelled) {
        return;
      }
      if (!waitedForIo) {
        // A task scheduled from a running task is taken from the schedule only after the loop's
        // next I/O pass (Netty's runAllTasks fetches due tasks once, before running them).
        waitedForIo = true;
        scheduled = loop.schedule(this, 0, TimeUnit.NANOSECONDS);
        return;
      }
      expired = true;
      try {
        task.run(this);
      } catch (Exception e) {
        // As Netty's own timer does: report it and go on (Lettuce's tasks do not throw).
        System.getLogger(LoopTimer.class.getName())
            .log(System.Logger.Level.WARNING, "Redis client timer task failed", e);
      }
    }

    @Override
    public Timer timer() {
      return timer;
    }

    @Override
    public TimerTask task() {
      return task;
    }

    @Override
    public boolean isExpired() {
      return expired;
    }

    @Override
    public boolean isCancelled() {
      return cancelled;
    }

    @Override
    public boolean cancel() {
      if (expired || cancelled) {
        return false;
      }
      cancelled = true;
      ScheduledFuture<?> future = scheduled;
      if (future != null) {
        future.cancel(false);
      }
      return true;
    }
  }
}
