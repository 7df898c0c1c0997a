package cachegate.upstream;

import io.netty.buffer.ByteBuf;
import io.netty.channel.EventLoop;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.internal.ContextInternal;
import io.vertx.core.internal.VertxInternal;
import io.vertx.core.internal.buffer.BufferInternal;
import java.util.ArrayList;
import java.util.List;

/**
 * The one class of this package that uses Vert.x's internal API ({@code io.vertx.core.internal}),
 * which any Vert.x release may change: confined here, an upgrade touches one file. Vert.x 5's
 * public API offers none of what is taken from it: a buffer's Netty bytes without a copy, a context
 * on a given event loop, and running a task on a context without dispatching it again when the
 * caller is already there.
 */
final class VertxInternals {
  private VertxInternals() {}

  /**
   * The Netty bytes of {@code chunk}, without copying them (the public {@code getBytes} copies): an
   * upstream chunk is checked as JSON and passed on as it arrived.
   */
  static ByteBuf byteBuf(Buffer chunk) {
    return ((BufferInternal) chunk).getByteBuf();
  }

  /**
   * A context on each of {@code vertx}'s event loops. The engine calls the upstream from where the
   * last Redis reply arrived: one of these loops, but outside any Vert.x context (Lettuce runs its
   * replies as plain tasks), so {@code Vertx.currentContext()} cannot tell which.
   */
  static List<Context> loopContexts(Vertx vertx) {
    VertxInternal internal = (VertxInternal) vertx;
    List<Context> contexts = new ArrayList<>();
    internal
        .nettyEventLoopGroup()
        .forEach(
            loop ->
                contexts.add(internal.contextBuilder().withEventLoop((EventLoop) loop).build()));
    return List.copyOf(contexts);
  }

  /** Whether the calling thread is {@code context}'s event loop. */
  static boolean isOnLoopOf(Context context) {
    return ((ContextInternal) context).nettyEventLoop().inEventLoop();
  }

  /**
   * Runs {@code task} at once, as an event of {@code context}, whose event loop the caller is on.
   */
  static void emit(Context context, Runnable task) {
    ((ContextInternal) context).emit(task, Runnable::run);
  }

  /** Runs {@code task} at once when the caller runs on {@code context}, else on its event loop. */
  static void runOn(Context context, Runnable task) {
    ContextInternal internal = (ContextInternal) context;
    if (internal.isRunningOnContext()) {
      task.run();
    } else {
      internal.execute(task);
    }
  }
}
