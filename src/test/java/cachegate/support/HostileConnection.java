package cachegate.support;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.management.ManagementFactory;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Optional;

/**
 * One connection of {@link HostileUpstream}, served on its own thread: reads requests (bounded to
 * 64 KiB of head each), answers them as the path says, and closes when an answer ends early, the
 * client asks to or goes away.
 */
final class HostileConnection {
  private static final int CHUNK = 16 * 1024;
  private static final int CHUNK_HEAD = 8 + 2;
  private static final long NEVER = Long.MAX_VALUE;
  private static final com.sun.management.ThreadMXBean ALLOCATIONS = allocations().orElse(null);

  private final HostileUpstream upstream;
  private final Socket socket;
  private final byte[] buffer = new byte[CHUNK_HEAD + CHUNK + 2];
  private long allocatedBefore = allocatedByThisThread();

  HostileConnection(HostileUpstream upstream, Socket socket) {
    this.upstream = upstream;
    this.socket = socket;
  }

  /** Whether the JVM measures each thread's allocations (HotSpot does). */
  static boolean measuresAllocations() {
    return ALLOCATIONS != null;
  }

  void serve() {
    try (socket) {
      socket.setTcpNoDelay(true);
      InputStream in = new BufferedInputStream(socket.getInputStream());
      OutputStream out = socket.getOutputStream();
      boolean open = true;
      while (open) {
        Optional<HostileRequest> request = HostileRequest.read(in);
        if (request.isEmpty()) {
          return;
        }
        upstream.received(request.get().path(), request.get().target());
        open = answer(request.get(), out);
        countAllocations();
      }
    } catch (IOException | RuntimeException clientGoneOrBadRequest) {
      // the client closed between requests or sent something this server does not parse
    } finally {
      countAllocations();
    }
  }

  /** Answers {@code request}; true to keep the connection open for another. */
  private boolean answer(HostileRequest request, OutputStream out) throws IOException {
    try {
      Thread.sleep(request.number("delay", 0));
      switch (request.behaviour()) {
        case "chunked":
          return send(out, request, 200, request.number("bytes"), NEVER, true);
        case "length":
          return send(out, request, 200, request.number("bytes"), NEVER, false);
        case "endless":
          return send(out, request, 200, JsonFlood.ENDLESS, NEVER, true);
        case "truncated":
          long length = request.number("bytes");
          return send(out, request, 200, length, request.number("sent", length / 2), false);
        case "error":
          int status = (int) request.number("status", 500);
          return send(
              out, request, status, request.number("bytes", JsonFlood.ENDLESS), NEVER, true);
        default:
          return head(out, 404, "Content-Length: 0", request.keepAlive());
      }
    } catch (IllegalArgumentException badParameter) {
      return head(out, 400, "Content-Length: 0", false);
    } catch (InterruptedException closing) {
      Thread.currentThread().interrupt();
      return false;
    } catch (IOException e) {
      if (!upstream.isClosed()) {
        upstream.aborted(request.target());
      }
      return false;
    }
  }

  /**
   * Sends the head and the body of {@code length} bytes ({@link JsonFlood#ENDLESS}: forever),
   * closing after {@code cut} bytes when that comes first. Returns whether to keep the connection.
   */
  private boolean send(
      OutputStream out, HostileRequest request, int status, long length, long cut, boolean chunked)
      throws IOException, InterruptedException {
    JsonFlood body = new JsonFlood(request.target(), length);
    long rate = request.number("rate", 0);
    boolean whole = length != JsonFlood.ENDLESS && cut >= length;
    boolean keepAlive = whole && request.keepAlive();
    String framing = chunked ? "Transfer-Encoding: chunked" : "Content-Length: " + length;
    head(out, status, "Content-Type: application/json\r\n" + framing, keepAlive);
    if (request.method().equals("HEAD")) {
      return keepAlive;
    }
    int slice = rate > 0 ? (int) Math.max(1, Math.min(CHUNK, rate / 20)) : CHUNK;
    long startMillis = System.nanoTime() / 1_000_000;
    long sent = 0;
    while (sent < cut) {
      int n = body.read(buffer, CHUNK_HEAD, (int) Math.min(slice, cut - sent));
      if (n < 0) {
        break;
      }
      int from = chunked ? CHUNK_HEAD - chunkSize(n) : CHUNK_HEAD;
      int to = CHUNK_HEAD + n;
      if (chunked) {
        buffer[to++] = '\r';
        buffer[to++] = '\n';
      }
      out.write(buffer, from, to - from);
      sent += n;
      upstream.sent(n);
      if (rate > 0) {
        long dueMillis = startMillis + sent * 1000 / rate;
        Thread.sleep(Math.max(0, dueMillis - System.nanoTime() / 1_000_000));
      }
    }
    if (chunked && whole) {
      out.write("0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
    }
    out.flush();
    return keepAlive;
  }

  /** Writes {@code n}'s chunk-size line just before the data in the buffer; returns its length. */
  private int chunkSize(int n) {
    String hex = Integer.toHexString(n);
    int at = CHUNK_HEAD - hex.length() - 2;
    for (int i = 0; i < hex.length(); i++) {
      buffer[at + i] = (byte) hex.charAt(i);
    }
    buffer[CHUNK_HEAD - 2] = '\r';
    buffer[CHUNK_HEAD - 1] = '\n';
    return hex.length() + 2;
  }

  private static boolean head(OutputStream out, int status, String headers, boolean keepAlive)
      throws IOException {
    String head =
        "HTTP/1.1 "
            + status
            + " "
            + reason(status)
            + "\r\n"
            + headers
            + "\r\n"
            + (keepAlive ? "" : "Connection: close\r\n")
            + "\r\n";
    out.write(head.getBytes(StandardCharsets.US_ASCII));
    out.flush();
    return keepAlive;
  }

  private static String reason(int status) {
    return switch (status) {
      case 200 -> "OK";
      case 400 -> "Bad Request";
      case 404 -> "Not Found";
      case 500 -> "Internal Server Error";
      case 503 -> "Service Unavailable";
      default -> "Status " + status;
    };
  }

  private void countAllocations() {
    long now = allocatedByThisThread();
    upstream.allocated(now - allocatedBefore);
    allocatedBefore = now;
  }

  private static long allocatedByThisThread() {
    return ALLOCATIONS == null ? 0 : ALLOCATIONS.getCurrentThreadAllocatedBytes();
  }

  private static Optional<com.sun.management.ThreadMXBean> allocations() {
    if (ManagementFactory.getThreadMXBean() instanceof com.sun.management.ThreadMXBean threads
        && threads.isThreadAllocatedMemorySupported()
        && threads.isThreadAllocatedMemoryEnabled()) {
      return Optional.of(threads);
    }
    return Optional.empty();
  }
}
