package cachegate.support;

import com.sun.management.UnixOperatingSystemMXBean;
import java.lang.management.ManagementFactory;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Misbehaving HTTP/1.1 clients against one server, each on its own raw socket, for slowloris and
 * slow-reader tests. Each call opens its connections one after the other and returns them as {@link
 * SlowConnections}, which report when the server closed each one, timed from the moment its TCP
 * handshake completed (so the time includes any wait in the server's accept queue). {@link #close}
 * closes them all.
 *
 * <ul>
 *   <li>{@link #slowloris}: the request line and a {@code Host} header, then one more header line
 *       every interval, never the blank line that ends the head. One thread per call drives all its
 *       sockets (non-blocking, one selector) and sees a close (FIN or reset) when it wakes for it:
 *       within milliseconds, later by the time one round of header lines takes or when the JVM is
 *       short of CPU (12,000 connections that a server closed in a burst were all seen within 0.14
 *       s of the last close, on 2 busy cores).
 *   <li>{@link #slowReaders}: a complete GET, then never a read, with a 4 KiB receive buffer set
 *       before connecting so the answer piles up on the server's side. Reading would let the server
 *       go on writing, so the close is seen in the kernel's TCP table ({@code /proc/net/tcp} and
 *       {@code tcp6}, Linux only), polled by one thread every 100 ms: the server's end of the
 *       connection leaving ESTABLISHED (it closed or shut down its output, even while its FIN waits
 *       behind data this client never reads), or this end receiving a FIN (CLOSE_WAIT) or a reset
 *       (gone from the table, confirmed by a second poll). A close is seen 0-100 ms late (100-200
 *       ms for a reset) plus one reading of the table, which takes milliseconds with hundreds of
 *       sockets on the machine and 50-500 ms with 10,000. The server's end is visible only when the
 *       server runs on this machine; connections are matched by port pair, assuming no other
 *       address pairs the same ports.
 * </ul>
 *
 * <p>Each connection takes a file descriptor: a call that would leave fewer than 64 free fails at
 * once, naming {@code ulimit -n}. A server in the same JVM needs as many again, so 12,000
 * connections want the server in another process (such as {@link LaunchedGateway}). Opening is
 * sequential (12,000 in about a second on loopback); a connection not established within {@link
 * #CONNECT_TIMEOUT} fails the call and closes what it opened. Thread-safe.
 */
public final class SlowClients implements AutoCloseable {
  /** How long each connection may take to be established before the call fails. */
  public static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(10);

  /** The receive buffer of a slow reader, set before it connects. */
  public static final int SLOW_READER_RECEIVE_BUFFER = 4096;

  private static final int DESCRIPTOR_HEADROOM = 64;

  private final InetSocketAddress server;
  private final List<SlowConnections> opened = new CopyOnWriteArrayList<>();

  private SlowClients(InetSocketAddress server) {
    this.server = server;
  }

  /** Clients of the server at {@code host:port}; nothing is opened yet. */
  public static SlowClients against(String host, int port) {
    return new SlowClients(new InetSocketAddress(host, port));
  }

  /**
   * Opens {@code count} connections that each send {@code requestLine} (without its CRLF, e.g.
   * {@code GET /universities?country=de HTTP/1.1}) and a {@code Host} header at once, then an
   * {@code X-Slowloris: <n>} header line every {@code interval}, and never end the head.
   */
  public SlowConnections slowloris(int count, String requestLine, Duration interval) {
    requireDescriptors(count);
    return keep(SlowlorisLoop.open(server, count, requestLine, interval));
  }

  /**
   * Opens {@code count} slow readers of {@code requestTarget} with {@code Accept-Encoding:
   * identity}.
   */
  public SlowConnections slowReaders(int count, String requestTarget) {
    return slowReaders(count, requestTarget, "identity");
  }

  /**
   * Opens {@code count} connections that each send {@code GET requestTarget HTTP/1.1} with {@code
   * Host} and {@code Accept-Encoding: acceptEncoding}, and never read the answer.
   */
  public SlowConnections slowReaders(int count, String requestTarget, String acceptEncoding) {
    requireDescriptors(count);
    return keep(SlowReaderWatch.open(server, count, requestTarget, acceptEncoding));
  }

  /** Closes every connection opened through these clients. */
  @Override
  public void close() {
    opened.forEach(SlowConnections::close);
  }

  private SlowConnections keep(SlowConnections connections) {
    opened.add(connections);
    return connections;
  }

  private static void requireDescriptors(int count) {
    if (count < 1) {
      throw new IllegalArgumentException("count must be positive, was " + count);
    }
    if (ManagementFactory.getOperatingSystemMXBean() instanceof UnixOperatingSystemMXBean os) {
      long limit = os.getMaxFileDescriptorCount();
      long free = limit - os.getOpenFileDescriptorCount();
      if (count + DESCRIPTOR_HEADROOM > free) {
        throw new IllegalStateException(
            count
                + " connections need "
                + count
                + " file descriptors and this JVM has "
                + free
                + " free of its limit of "
                + limit
                + " (ulimit -n); raise the limit or open fewer");
      }
    }
  }
}
