package cachegate.support;

import java.io.Closeable;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * The thread behind {@link SlowClients#slowloris}: one selector over every connection, writing a
 * header line to each every interval and reading whatever the server sends until it closes.
 */
final class SlowlorisLoop implements Closeable {
  private final SocketChannel[] channels;
  private final ByteBuffer[] unsent;
  private final Selector selector;
  private final SlowConnections connections;
  private final long intervalNanos;
  private final Thread thread;
  private volatile boolean running = true;

  private SlowlorisLoop(
      SocketChannel[] channels, Selector selector, SlowConnections connections, Duration interval) {
    this.channels = channels;
    this.unsent = new ByteBuffer[channels.length];
    this.selector = selector;
    this.connections = connections;
    this.intervalNanos = interval.toNanos();
    this.thread = new Thread(this::run, "slow-clients-slowloris");
    thread.setDaemon(true);
  }

  static SlowConnections open(
      InetSocketAddress server, int count, String requestLine, Duration interval) {
    if (interval.isNegative() || interval.isZero()) {
      throw new IllegalArgumentException("interval must be positive, was " + interval);
    }
    SlowConnections connections = new SlowConnections("slowloris " + requestLine, count);
    byte[] head =
        (requestLine + "\r\nHost: " + server.getHostString() + ":" + server.getPort() + "\r\n")
            .getBytes(StandardCharsets.ISO_8859_1);
    SocketChannel[] channels = new SocketChannel[count];
    Selector selector = null;
    int i = 0;
    try {
      selector = Selector.open();
      for (; i < count; i++) {
        channels[i] = SocketChannel.open();
        channels[i].socket().connect(server, (int) SlowClients.CONNECT_TIMEOUT.toMillis());
        connections.opened(i);
        channels[i].setOption(StandardSocketOptions.TCP_NODELAY, true);
        try {
          channels[i].write(ByteBuffer.wrap(head));
        } catch (IOException closedAtOnce) {
          connections.closed(i, System.nanoTime());
        }
        channels[i].configureBlocking(false);
        channels[i].register(selector, SelectionKey.OP_READ, i);
      }
    } catch (IOException e) {
      closeAll(channels, selector);
      throw new UncheckedIOException(
          "slowloris: connection " + (i + 1) + " of " + count + " to " + server + " failed", e);
    }
    SlowlorisLoop loop = new SlowlorisLoop(channels, selector, connections, interval);
    connections.drivenBy(loop);
    loop.thread.start();
    return connections;
  }

  @Override
  public void close() {
    running = false;
    selector.wakeup();
    try {
      thread.join(TimeUnit.SECONDS.toMillis(10));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    closeAll(channels, selector);
  }

  private void run() {
    ByteBuffer scratch = ByteBuffer.allocate(4096);
    long due = System.nanoTime() + intervalNanos;
    long line = 0;
    try {
      while (running) {
        long wait = due - System.nanoTime();
        if (wait <= 0) {
          sendHeaderLine(line++);
          due = System.nanoTime() + intervalNanos;
        } else {
          long millis = Math.max(1, TimeUnit.NANOSECONDS.toMillis(wait));
          selector.select(key -> read(key, scratch), millis);
        }
      }
    } catch (IOException | RuntimeException e) {
      if (running) {
        throw new IllegalStateException("slowloris loop failed", e);
      }
    }
  }

  /** Reads what the server sent; its end of stream or reset is the close. */
  private void read(SelectionKey key, ByteBuffer scratch) {
    int connection = (Integer) key.attachment();
    try {
      int n;
      do {
        n = channels[connection].read(scratch.clear());
      } while (n > 0);
      if (n < 0) {
        serverClosed(connection);
      }
    } catch (IOException reset) {
      serverClosed(connection);
    }
  }

  /** Writes the next header line to every open connection (or what is left of the last one). */
  private void sendHeaderLine(long line) {
    byte[] header = ("X-Slowloris: " + line + "\r\n").getBytes(StandardCharsets.US_ASCII);
    for (int i = 0; i < channels.length; i++) {
      if (!connections.isOpen(i)) {
        continue;
      }
      ByteBuffer bytes = unsent[i] == null ? ByteBuffer.wrap(header) : unsent[i];
      try {
        channels[i].write(bytes);
        unsent[i] = bytes.hasRemaining() ? bytes : null;
      } catch (IOException closedOrReset) {
        serverClosed(i);
      }
    }
  }

  private void serverClosed(int connection) {
    connections.closed(connection, System.nanoTime());
    SlowReaderWatch.closeQuietly(channels[connection]);
  }

  private static void closeAll(SocketChannel[] channels, Selector selector) {
    for (SocketChannel channel : channels) {
      SlowReaderWatch.closeQuietly(channel);
    }
    SlowReaderWatch.closeQuietly(selector);
  }
}
