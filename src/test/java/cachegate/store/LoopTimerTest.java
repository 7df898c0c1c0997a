package cachegate.store;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.EventLoop;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.Timeout;
import java.io.OutputStream;
import java.lang.ref.WeakReference;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
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

  @Test
  void aTimeoutThatFellDueWhileItsLoopWasBusyWaitsUntilTheLoopHasReadWhatArrived()
      throws Exception {
    // What a burst does to a Redis command: its reply arrives while the loop is busy with other
    // connections; the loop must read it (which cancels the timeout) before the timeout runs.
    EventLoop loop = loops.get(0);
    AtomicBoolean timedOut = new AtomicBoolean();
    CompletableFuture<Timeout> timeout = new CompletableFuture<>();
    CompletableFuture<Void> replyRead = new CompletableFuture<>();
    try (ServerSocket server = new ServerSocket(0, 2, InetAddress.getLoopbackAddress())) {
      connect(loop, server, bytes -> sleep(300));
      Socket busy = server.accept();
      connect(
          loop,
          server,
          bytes -> {
            timeout.join().cancel();
            replyRead.complete(null);
          });
      Socket reply = server.accept();

      loop.submit(
              () ->
                  timeout.complete(
                      timer.newTimeout(t -> timedOut.set(true), 50, TimeUnit.MILLISECONDS)))
          .sync();
      write(busy);
      Thread.sleep(120);
      write(reply);

      replyRead.get(5, TimeUnit.SECONDS);
      busy.close();
      reply.close();
    }
    // Whatever the loop had scheduled by now has run.
    loop.submit(() -> {}).sync();
    assertThat(timedOut).isFalse();
    assertThat(timeout.join().isCancelled()).isTrue();
  }

  /** A client channel on {@code loop} that hands what it reads to {@code onRead}. */
  private static Channel connect(EventLoop loop, ServerSocket server, Consumer<Object> onRead)
      throws InterruptedException {
    return new Bootstrap()
        .group(loop)
        .channel(NioSocketChannel.class)
        .handler(
            new ChannelInboundHandlerAdapter() {
              @Override
              public void channelRead(ChannelHandlerContext context, Object message) {
                try {
                  onRead.accept(message);
                } finally {
                  ReferenceCountUtil.release(message);
                }
              }
            })
        .connect(server.getLocalSocketAddress())
        .sync()
        .channel();
  }

  private static void write(Socket socket) throws java.io.IOException {
    OutputStream out = socket.getOutputStream();
    out.write(1);
    out.flush();
  }

  private static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
