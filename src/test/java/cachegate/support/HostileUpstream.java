package cachegate.support;

import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;

/**
 * A real HTTP/1.1 server on 127.0.0.1 (a free port) imitating JSON APIs that send too much: bodies
 * of any size, bodies that never end, truncated bodies and huge errors. Bodies are generated on the
 * fly in 16 KiB chunks and never held in memory, so sending 300 MB costs the test JVM a buffer per
 * connection; {@link #allocatedBytes} shows it.
 *
 * <p>Every body, for 2xx and errors alike, is a JSON array of objects such as {@code
 * {"name":"University
 * 7","country":"Hostilia","domains":["u7.example"],"target":"/chunked?bytes=900"}}, padded with
 * spaces before its {@code ]} to the exact length (valid JSON from 2 bytes up). Each element
 * repeats the raw request target, so each distinct target gets a distinct body, which {@link
 * #expectedBody} and {@link #mismatch} regenerate.
 *
 * <p>The first path segment selects the behaviour; parameters select sizes. Parameters come from
 * the query string and from any later path segment of the form {@code name=value} (the query wins),
 * so a base URL such as {@code <url>/chunked/bytes=5000000} also works for a client that appends
 * {@code /search?country=de}. Other segments and parameters are ignored.
 *
 * <ul>
 *   <li>{@code /chunked?bytes=N}: 200, {@code Transfer-Encoding: chunked}, exactly N bytes of JSON.
 *   <li>{@code /length?bytes=N}: 200, {@code Content-Length: N}, exactly N bytes of JSON.
 *   <li>{@code /endless}: 200, chunked, {@code [} then elements until the client goes away.
 *   <li>{@code /truncated?bytes=N&sent=M}: 200, {@code Content-Length: N}, then the first M bytes
 *       of that body (default N/2) and a close (FIN).
 *   <li>{@code /error?status=S&bytes=N}: status S (default 500), chunked, N bytes of JSON; without
 *       {@code bytes} the body never ends.
 *   <li>On every path, {@code delay=MS} waits that long before the headers and {@code rate=B} sends
 *       at most B body bytes per second (default: as fast as the client reads).
 *   <li>Another path is a 404, a missing or malformed number (or {@code bytes} below 2) a 400, both
 *       without a body; a request it cannot parse closes the connection without an answer.
 * </ul>
 *
 * <p>Connections are kept alive after a complete answer (HTTP/1.1 unless the request says {@code
 * Connection: close}); after an answer that ends early or never ends, the server closes. Every
 * connection has its own thread and {@code TCP_NODELAY}. Counters are thread-safe and count from
 * the start or the last {@link #reset}. {@link #close} closes every connection and waits for their
 * threads.
 */
public final class HostileUpstream implements AutoCloseable {
  /** The length of a body that never ends, for {@link #mismatch}. */
  public static final long ENDLESS = JsonFlood.ENDLESS;

  private final ServerSocket listener;
  private final ExecutorService threads;
  private final Future<?> acceptor;
  private final Set<Socket> connections = ConcurrentHashMap.newKeySet();
  private final List<String> targets = new CopyOnWriteArrayList<>();
  private final Map<String, AtomicInteger> requestsByPath = new ConcurrentHashMap<>();
  private final List<String> aborted = new CopyOnWriteArrayList<>();
  private final LongAdder bytesSent = new LongAdder();
  private final LongAdder allocated = new LongAdder();

  private HostileUpstream() {
    try {
      listener = new ServerSocket(0, 1024, InetAddress.getLoopbackAddress());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    AtomicInteger number = new AtomicInteger();
    threads =
        Executors.newCachedThreadPool(
            task -> {
              Thread thread =
                  new Thread(task, "hostile-upstream-" + port() + "-" + number.getAndIncrement());
              thread.setDaemon(true);
              return thread;
            });
    acceptor = threads.submit(this::accept);
  }

  public static HostileUpstream start() {
    return new HostileUpstream();
  }

  /** {@code http://127.0.0.1:<port>}, without a trailing slash. */
  public String url() {
    return "http://127.0.0.1:" + port();
  }

  public int port() {
    return listener.getLocalPort();
  }

  /** Requests received. */
  public int requests() {
    return targets.size();
  }

  /** Requests received for this raw path (without the query), e.g. {@code /chunked}. */
  public int requests(String path) {
    AtomicInteger count = requestsByPath.get(path);
    return count == null ? 0 : count.get();
  }

  /** The raw request target (path and query) of every request, in order. */
  public List<String> targets() {
    return List.copyOf(targets);
  }

  /**
   * Body bytes handed to the kernel, without headers or chunk framing. On loopback the socket
   * buffers hold megabytes, so this runs ahead of what the client has read.
   */
  public long bytesSent() {
    return bytesSent.sum();
  }

  /** Connections accepted and not yet closed. */
  public int openConnections() {
    return connections.size();
  }

  /**
   * The target of every answer the client cut short, in order: the connection was closed or reset
   * by the peer before the answer was completely written. It is seen when a write fails, so a
   * client that closes after the last bytes reached the kernel's buffer is not counted.
   */
  public List<String> abortedTargets() {
    return List.copyOf(aborted);
  }

  /**
   * Heap bytes allocated by the connection threads, added up after each answer and when a
   * connection closes: about a buffer per connection plus a few KiB per request, however large the
   * bodies; -1 where the JVM cannot measure it.
   */
  public long allocatedBytes() {
    return HostileConnection.measuresAllocations() ? allocated.sum() : -1;
  }

  /** Counters back to zero (open connections stay as they are). */
  public void reset() {
    targets.clear();
    requestsByPath.clear();
    aborted.clear();
    bytesSent.reset();
    allocated.reset();
  }

  /**
   * Exactly the body sent for {@code target} (the raw path and query) and a length of {@code
   * bytes}: for small bodies; use {@link #mismatch} for large ones.
   */
  public static byte[] expectedBody(String target, int bytes) {
    try {
      return new JsonFlood(target, bytes).readAllBytes();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * Reads {@code received} to its end and compares it with the body of {@code bytes} bytes sent for
   * {@code target}, regenerating that body on the fly: -1 when they are equal (for {@link
   * #ENDLESS}: when {@code received} is a prefix of the endless body), else the offset of the first
   * byte that differs or is missing.
   */
  public static long mismatch(InputStream received, String target, long bytes) throws IOException {
    return JsonFlood.mismatch(received, target, bytes);
  }

  /** Closes the listener and every connection, and waits (up to 5 s) for their threads to end. */
  @Override
  public void close() {
    closeQuietly(listener);
    try {
      acceptor.get(5, TimeUnit.SECONDS);
      connections.forEach(HostileUpstream::closeQuietly);
      threads.shutdownNow();
      threads.awaitTermination(5, TimeUnit.SECONDS);
    } catch (ExecutionException | TimeoutException e) {
      throw new IllegalStateException("the acceptor did not stop", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  boolean isClosed() {
    return listener.isClosed();
  }

  void received(String path, String target) {
    requestsByPath.computeIfAbsent(path, any -> new AtomicInteger()).incrementAndGet();
    targets.add(target);
  }

  void sent(int bytes) {
    bytesSent.add(bytes);
  }

  void aborted(String target) {
    aborted.add(target);
  }

  void allocated(long bytes) {
    allocated.add(bytes);
  }

  private void accept() {
    while (!listener.isClosed()) {
      try {
        Socket connection = listener.accept();
        connections.add(connection);
        threads.execute(
            () -> {
              try {
                new HostileConnection(this, connection).serve();
              } finally {
                connections.remove(connection);
              }
            });
      } catch (IOException closed) {
        // close() closed the listener: the end
      }
    }
  }

  private static void closeQuietly(Closeable closeable) {
    try {
      closeable.close();
    } catch (IOException ignored) {
      // closing a loopback socket does not fail in a way that matters to a test
    }
  }
}
