package cachegate.http;

import cachegate.config.ServerConfig;
import cachegate.engine.CacheMetrics;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOption;
import io.netty.channel.ChannelOutboundBuffer;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.LastHttpContent;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * Holds one client connection to {@link ServerConfig}'s timeouts. It sits first in the connection's
 * pipeline, where it sees raw bytes arrive and leave, and its {@link #requests()} handler sits just
 * before Vert.x's, where it sees each request's headers complete and each answer end:
 *
 * <ul>
 *   <li>from the moment the connection opens, or the first byte of a next request arrives, the
 *       request line and headers must be complete within the header timeout, else the client gets
 *       408 and the connection is closed (a client that sends one header line every few seconds
 *       never completes);
 *   <li>between requests, a connection that receives nothing for the idle timeout is closed;
 *   <li>while bytes of an answer wait to be sent, the client must take some of them within the send
 *       timeout, else the connection is reset (a client that stops reading).
 * </ul>
 *
 * One timer per connection at most, moved only when a deadline comes earlier than the one it is set
 * for, so that a request costs no timer of its own. Confined to the connection's event loop.
 */
final class ConnectionWatch extends ChannelDuplexHandler {
  private static final byte[] REQUEST_TIMEOUT =
      ClientConnections.answer(
          "408 Request Timeout",
          "",
          "{\"error\":\"the request line and headers did not arrive in time\",\"status\":408}");

  private enum Phase {
    /** Waiting for a request's line and headers to be complete. */
    HEADERS,
    /** At least one request is being answered. */
    ANSWERING,
    /** Between requests, nothing received. */
    IDLE
  }

  private final long headerTimeout;
  private final long idleTimeout;
  private final long sendTimeout;
  private final CacheMetrics metrics;

  private ChannelHandlerContext context;
  private Phase phase = Phase.HEADERS;
  private long phaseSince = System.nanoTime();
  private int answering;

  /** When bytes of an answer last left, or started waiting to leave. */
  private long sentSince;

  private Object sendingMessage;
  private long sendingPending;
  private long sendingProgress;

  /**
   * Whether {@link #timer} is scheduled (to {@link #check} at {@link #timerAt}) and has not run.
   */
  private boolean timing;

  private ScheduledFuture<?> timer;
  private long timerAt;

  ConnectionWatch(ServerConfig limits, CacheMetrics metrics) {
    this.headerTimeout = limits.headerTimeout().toNanos();
    this.idleTimeout = limits.idleTimeout().toNanos();
    this.sendTimeout = limits.sendTimeout().toNanos();
    this.metrics = metrics;
  }

  /** The handler to place just before Vert.x's: it marks where requests start and answers end. */
  ChannelDuplexHandler requests() {
    return new ChannelDuplexHandler() {
      @Override
      public void channelRead(ChannelHandlerContext ctx, Object message) {
        if (message instanceof HttpRequest) {
          answering++;
          phase = Phase.ANSWERING;
        }
        ctx.fireChannelRead(message);
      }

      @Override
      public void write(ChannelHandlerContext ctx, Object message, ChannelPromise promise) {
        if (message instanceof LastHttpContent && answering > 0 && --answering == 0) {
          enter(Phase.IDLE, idleTimeout);
        }
        ctx.write(message, promise);
      }
    };
  }

  @Override
  public void handlerAdded(ChannelHandlerContext ctx) {
    context = ctx;
    enter(Phase.HEADERS, headerTimeout);
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object message) {
    if (phase == Phase.IDLE) {
      enter(Phase.HEADERS, headerTimeout);
    }
    ctx.fireChannelRead(message);
  }

  @Override
  public void write(ChannelHandlerContext ctx, Object message, ChannelPromise promise) {
    ChannelOutboundBuffer out = ctx.channel().unsafe().outboundBuffer();
    if (out != null && out.totalPendingWriteBytes() == 0) {
      sentSince = System.nanoTime();
      watchUntil(sentSince + sendTimeout);
    }
    ctx.write(message, promise);
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    if (timing) {
      timer.cancel(false);
    }
    ctx.fireChannelInactive();
  }

  private void enter(Phase next, long timeout) {
    phase = next;
    phaseSince = System.nanoTime();
    watchUntil(phaseSince + timeout);
  }

  /** Makes sure the timer runs by {@code deadline}. */
  private void watchUntil(long deadline) {
    if (timing && timerAt - deadline <= 0) {
      return;
    }
    if (timing) {
      timer.cancel(false);
    }
    timing = true;
    timerAt = deadline;
    timer =
        context
            .executor()
            .schedule(this::check, deadline - System.nanoTime(), TimeUnit.NANOSECONDS);
  }

  private void check() {
    timing = false;
    if (!context.channel().isActive()) {
      return;
    }
    long now = System.nanoTime();
    if (phase == Phase.HEADERS && now - phaseSince >= headerTimeout) {
      metrics.limitReached("client-header-timeout", "");
      context
          .writeAndFlush(Unpooled.wrappedBuffer(REQUEST_TIMEOUT))
          .addListener(written -> context.close());
      return;
    }
    if (phase == Phase.IDLE && now - phaseSince >= idleTimeout) {
      metrics.limitReached("client-idle-timeout", "");
      context.close();
      return;
    }
    ChannelOutboundBuffer out = context.channel().unsafe().outboundBuffer();
    boolean sending = out != null && out.totalPendingWriteBytes() > 0;
    if (sending) {
      if (out.current() != sendingMessage
          || out.totalPendingWriteBytes() != sendingPending
          || out.currentProgress() != sendingProgress) {
        sendingMessage = out.current();
        sendingPending = out.totalPendingWriteBytes();
        sendingProgress = out.currentProgress();
        sentSince = now;
      } else if (now - sentSince >= sendTimeout) {
        metrics.limitReached("client-send-timeout", "");
        // Reset rather than close: what is queued would never be taken, and a reset frees it.
        context.channel().config().setOption(ChannelOption.SO_LINGER, 0);
        context.close();
        return;
      }
      watchUntil(sentSince + sendTimeout);
    }
    if (phase == Phase.HEADERS) {
      watchUntil(phaseSince + headerTimeout);
    } else if (phase == Phase.IDLE) {
      watchUntil(phaseSince + idleTimeout);
    }
  }
}
