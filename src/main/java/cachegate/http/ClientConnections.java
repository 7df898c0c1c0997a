package cachegate.http;

import cachegate.config.ServerConfig;
import cachegate.engine.CacheMetrics;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.CompositeByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.AdaptiveRecvByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.ReferenceCountUtil;
import io.vertx.core.http.HttpConnection;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Every client connection of a server, held to {@link ServerConfig}'s limits: at most {@code
 * maxConnections} open at once (one more is answered 503 with {@code Retry-After} and closed), each
 * watched by a {@link ConnectionWatch}, and none holding copies of the answers it is sent (see
 * {@link HeapWrites}). Thread-safe: the count is shared by every event loop.
 */
final class ClientConnections {
  private static final byte[] TOO_MANY =
      answer(
          "503 Service Unavailable",
          "retry-after: 1\r\n",
          "{\"error\":\"too many connections; try again shortly\",\"status\":503}");

  private final ServerConfig limits;
  private final CacheMetrics metrics;
  private final AtomicInteger open = new AtomicInteger();

  ClientConnections(ServerConfig limits, CacheMetrics metrics) {
    this.limits = limits;
    this.metrics = metrics;
  }

  /**
   * Takes a connection Vert.x has just accepted, before it reads anything from it (Vert.x calls its
   * connection handler while it sets the channel up, on the channel's event loop, as long as the
   * server does not look for HTTP/2 upgrades).
   */
  void accept(HttpConnection connection) {
    Channel channel = VertxInternals.channel(connection);
    if (open.incrementAndGet() > limits.maxConnections()) {
      open.decrementAndGet();
      metrics.limitReached("client-connections", "");
      channel.pipeline().addFirst(new Refusal());
      return;
    }
    channel.closeFuture().addListener(closed -> open.decrementAndGet());
    channel.config().setAllocator(new HeapWrites(channel.config().getAllocator()));
    // A request's line and headers fit in 512 bytes: read into that much until more is needed
    // (Netty starts at 2 KiB), so that thousands of connections half-way through their headers
    // hold a quarter of the memory.
    channel.config().setRecvByteBufAllocator(new AdaptiveRecvByteBufAllocator(64, 512, 65536));
    ConnectionWatch watch = new ConnectionWatch(limits, metrics);
    channel.pipeline().addFirst(watch);
    channel.pipeline().addBefore("handler", "cachegate-requests", watch.requests());
  }

  /** Client connections open now. */
  int open() {
    return open.get();
  }

  /** Answers a connection over the limit once it is active, then closes it. */
  private static final class Refusal extends ChannelInboundHandlerAdapter {
    @Override
    public void channelActive(ChannelHandlerContext ctx) {
      ctx.writeAndFlush(Unpooled.wrappedBuffer(TOO_MANY)).addListener(ChannelFutureListener.CLOSE);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object message) {
      ReferenceCountUtil.release(message);
    }
  }

  /** A complete HTTP/1.1 answer that closes the connection, as bytes. */
  static byte[] answer(String status, String headers, String json) {
    return ("HTTP/1.1 "
            + status
            + "\r\ncontent-type: application/json\r\ncache-control: no-store\r\n"
            + headers
            + "connection: close\r\ncontent-length: "
            + json.length()
            + "\r\n\r\n"
            + json)
        .getBytes(StandardCharsets.US_ASCII);
  }

  /**
   * The channel's allocator, except that it says its direct buffers are not pooled. Netty's NIO
   * transport copies every heap buffer written to a socket into a pooled direct buffer of its size
   * when the allocator pools direct buffers; otherwise it leaves it as it is, and the JDK copies
   * from it, a socket write at a time, into a reused per-thread buffer. So an answer waiting for a
   * client that reads slowly, or not at all, is a view of the cached body, not a copy of it: a
   * crowd of such clients costs no memory per client beyond the socket.
   */
  static final class HeapWrites implements ByteBufAllocator {
    private final ByteBufAllocator delegate;

    HeapWrites(ByteBufAllocator delegate) {
      this.delegate = delegate;
    }

    @Override
    public boolean isDirectBufferPooled() {
      return false;
    }

    @Override
    public ByteBuf buffer() {
      return delegate.buffer();
    }

    @Override
    public ByteBuf buffer(int initialCapacity) {
      return delegate.buffer(initialCapacity);
    }

    @Override
    public ByteBuf buffer(int initialCapacity, int maxCapacity) {
      return delegate.buffer(initialCapacity, maxCapacity);
    }

    @Override
    public ByteBuf ioBuffer() {
      return delegate.ioBuffer();
    }

    @Override
    public ByteBuf ioBuffer(int initialCapacity) {
      return delegate.ioBuffer(initialCapacity);
    }

    @Override
    public ByteBuf ioBuffer(int initialCapacity, int maxCapacity) {
      return delegate.ioBuffer(initialCapacity, maxCapacity);
    }

    @Override
    public ByteBuf heapBuffer() {
      return delegate.heapBuffer();
    }

    @Override
    public ByteBuf heapBuffer(int initialCapacity) {
      return delegate.heapBuffer(initialCapacity);
    }

    @Override
    public ByteBuf heapBuffer(int initialCapacity, int maxCapacity) {
      return delegate.heapBuffer(initialCapacity, maxCapacity);
    }

    @Override
    public ByteBuf directBuffer() {
      return delegate.directBuffer();
    }

    @Override
    public ByteBuf directBuffer(int initialCapacity) {
      return delegate.directBuffer(initialCapacity);
    }

    @Override
    public ByteBuf directBuffer(int initialCapacity, int maxCapacity) {
      return delegate.directBuffer(initialCapacity, maxCapacity);
    }

    @Override
    public CompositeByteBuf compositeBuffer() {
      return delegate.compositeBuffer();
    }

    @Override
    public CompositeByteBuf compositeBuffer(int maxNumComponents) {
      return delegate.compositeBuffer(maxNumComponents);
    }

    @Override
    public CompositeByteBuf compositeHeapBuffer() {
      return delegate.compositeHeapBuffer();
    }

    @Override
    public CompositeByteBuf compositeHeapBuffer(int maxNumComponents) {
      return delegate.compositeHeapBuffer(maxNumComponents);
    }

    @Override
    public CompositeByteBuf compositeDirectBuffer() {
      return delegate.compositeDirectBuffer();
    }

    @Override
    public CompositeByteBuf compositeDirectBuffer(int maxNumComponents) {
      return delegate.compositeDirectBuffer(maxNumComponents);
    }

    @Override
    public int calculateNewCapacity(int minNewCapacity, int maxCapacity) {
      return delegate.calculateNewCapacity(minNewCapacity, maxCapacity);
    }
  }
}
