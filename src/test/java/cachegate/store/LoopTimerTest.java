package cachegate.store;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.channel.EventLoop;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.util.Timeout;
import java.lang.ref.WeakReference;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class LoopTimerTest {
  private final MultiThreadIoEventLoopGroup group =
      new MultiThreadIoEventLoopGroup(2, NioIoHandler.newFactory());
  private final List<EventLoop> loops = new ArrayList<>();
  private final LoopTimer timer;

  LoopTimerTest() {
    group.forEach(loop -> loops.add((EventLoop) loop));
    timer = new LoopTimer(loops);
  }

  @AfterEach
  void stopLoops() {
    group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
  }

  @Test
  void runsTheTaskOnTheLoopThatAskedForIt() throws Exception {
    EventLoop second = loops.get(1);
    CompletableFuture<Boolean> ranOnSecond = new CompletableFuture<>();
    CompletableFuture<Timeout> expired = new CompletableFuture<>();
    second
        .submit(
            () ->
                timer.newTimeout(
                    timeout -> {
                      ranOnSecond.complete(second.inEventLoop());
                      expired.complete(timeout);
                    },
                    10,
                    TimeUnit.MILLISECONDS))
        .sync();

    assertThat(ranOnSecond.get(5, TimeUnit.SECONDS)).isTrue();
    Timeout timeout = expired.get(5, TimeUnit.SECONDS);
    assertThat(timeout.isExpired()).isTrue();
    assertThat(timeout.cancel()).isFalse();
    assertThat(timeout.isCancelled()).isFalse();
  }

  @Test
  void runsTheTaskOfAnyOtherThreadOnTheFirstLoop() throws Exception {
    CompletableFuture<Boolean> ranOnFirst = new CompletableFuture<>();
    timer.newTimeout(
        timeout -> ranOnFirst.complete(loops.get(0).inEventLoop()), 1, TimeUnit.MILLISECONDS);

    assertThat(ranOnFirst.get(5, TimeUnit.SECONDS)).isTrue();
  }

  @Test
  void aCancelledTimeoutNeverRuns() throws Exception {
    AtomicBoolean ran = new AtomicBoolean();
    Timeout timeout = timer.newTimeout(t -> ran.set(true), 50, TimeUnit.MILLISECONDS);

    assertThat(timeout.cancel()).isTrue();
    assertThat(timeout.cancel()).isFalse();
    assertThat(timeout.isCancelled()).isTrue();
    // Anything scheduled after it on the same loop has run once this runs.
    CompletableFuture<Void> later = new CompletableFuture<>();
    timer.newTimeout(t -> later.complete(null), 100, TimeUnit.MILLISECONDS);
    later.get(5, TimeUnit.SECONDS);
    assertThat(ran).isFalse();
    assertThat(timeout.isExpired()).isFalse();
  }

  @Test
  void aTimeoutCancelledOnItsLoopNoLongerHoldsItsTask() throws Exception {
    // What Lettuce does for every command: a timeout far off, cancelled when the reply arrives.
    // Its task holds the command and the reply; it must become garbage at once, not at the
    // timeout's due time.
    EventLoop loop = loops.get(0);
    WeakReference<byte[]> reply =
        loop.submit(
                () -> {
                  byte[] bytes = new byte[1 << 20];
                  Timeout timeout = timer.newTimeout(t -> bytes[0]++, 1, TimeUnit.HOURS);
                  timeout.cancel();
                  return new WeakReference<>(bytes);
                })
            .get(5, TimeUnit.SECONDS);

    // No waiting for time to pass: a full collection right away must find the reply unreachable.
    for (int i = 0; i < 3 && reply.get() != null; i++) {
      System.gc();
    }
    assertThat(reply.get()).isNull();
  }
}
