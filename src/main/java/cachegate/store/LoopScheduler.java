package cachegate.store;

import cachegate.engine.Scheduler;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The engine's waits on the event loops the Redis connections run on: a task is scheduled on the
 * loop of the thread that asks, else on the first, so that the Redis commands it sends are written
 * at once by the loop that owns their connection (their timeouts then count from the write, not
 * from a queue) and no thread is started per wait. Thread-safe.
 */
public final class LoopScheduler implements Scheduler {
  private final List<EventLoop> loops;

  /** Schedules on {@code group}'s loops, which stay their owner's. */
  public LoopScheduler(EventLoopGroup group) {
    List<EventLoop> all = new ArrayList<>();
    group.forEach(loop -> all.add((EventLoop) loop));
    this.loops = List.copyOf(all);
  }

  @Override
  public void schedule(Duration delay, Runnable task) {
    loops.get(LoopTimer.current(loops)).schedule(task, delay.toNanos(), TimeUnit.NANOSECONDS);
  }
}
