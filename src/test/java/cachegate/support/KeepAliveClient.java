package cachegate.support;

import java.io.BufferedInputStream;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;

/**
 * An HTTP/1.1 client of one server over one raw keep-alive {@link Socket}, for load whose every
 * answer must be accounted for: nothing sits between the caller and the socket (no pool, no
 * selector thread shared with other clients, no retry). Each {@link #get} writes its request whole,
 * then reads its answer whole as a {@link RawAnswer}, with a read timeout ({@code SO_TIMEOUT}) of
 * {@code timeout}: a request fails as {@linkplain Failure#timedOut() timed out} only when the
 * server sent no byte of the answer for that long. The next request reuses the connection, unless
 * the answer said {@code Connection: close} or ended with the stream, or the request failed: then
 * it opens a new one. A request sent on a connection the server had closed fails; it is not sent
 * again, so that every request reaches the server at most once and every loss shows.
 *
 * <p>Not thread-safe: one client per thread.
 */
public final class KeepAliveClient implements AutoCloseable {
  private static final int READ_BUFFER = 64 * 1024;

  private final InetSocketAddress server;
  private final int timeoutMillis;
  private final String hostHeader;

  private Socket socket;
  private CountingInput received;
  private InputStream in;
  private OutputStream out;
  private int answered;

  /** A client of {@code host:port}; it connects on the first request. */
  public KeepAliveClient(String host, int port, Duration timeout) {
    this.server = new InetSocketAddress(host, port);
    this.timeoutMillis = Math.toIntExact(timeout.toMillis());
    this.hostHeader = "Host: " + host + ":" + port + "\r\n";
  }

  /** Why a request got no whole answer, and how far it got. */
  public static final class Failure extends IOException {
    private static final long serialVersionUID = 1L;

    private final boolean timedOut;
    private final long receivedBytes;
    private final int localPort;
    private final int earlierAnswers;

    Failure(
        String what,
        boolean timedOut,
        long receivedBytes,
        int localPort,
        int earlierAnswers,
        IOException cause) {
      super(
          what
              + " after "
              + receivedBytes
              + " bytes of the answer (local port "
              + localPort
              + ", "
              + earlierAnswers
              + " answers on the connection before): "
              + cause.getMessage(),
          cause);
      this.timedOut = timedOut;
      this.receivedBytes = receivedBytes;
      this.localPort = localPort;
      this.earlierAnswers = earlierAnswers;
    }

    /** Whether no byte came for the whole timeout. */
    public boolean timedOut() {
      return timedOut;
    }

    /** Bytes of the answer that had arrived when the request failed. */
    public long receivedBytes() {
      return receivedBytes;
    }

    /** The connection's local port, to match it in a capture; 0 when it was never connected. */
    public int localPort() {
      return localPort;
    }

    /** Answers the connection had carried before this request. */
    public int earlierAnswers() {
      return earlierAnswers;
    }
  }

  /**
   * Sends {@code GET target HTTP/1.1} with a {@code Host} header and {@code headers}, and returns
   * the whole answer.
   *
   * @throws Failure when the connection cannot be opened, breaks, is closed by the server, or
   *     carries no byte for the timeout before the answer is whole
   */
  public RawAnswer get(String target, Map<String, String> headers) throws Failure {
    StringBuilder head = new StringBuilder("GET ").append(target).append(" HTTP/1.1\r\n");
    head.append(hostHeader);
    headers.forEach((name, value) -> head.append(name).append(": ").append(value).append("\r\n"));
    byte[] request = head.append("\r\n").toString().getBytes(StandardCharsets.US_ASCII);
    if (socket == null) {
      connect();
    }
    long before = received.count;
    try {
      out.write(request);
      out.flush();
      RawAnswer answer = RawAnswer.read(in);
      answered++;
      if (answer.closesConnection()) {
        close();
      }
      return answer;
    } catch (SocketTimeoutException e) {
      throw failed("no byte for " + timeoutMillis + " ms", true, before, e);
    } catch (IOException e) {
      throw failed("the connection failed", false, before, e);
    } catch (RuntimeException e) {
      throw failed("a malformed answer", false, before, new IOException(e.toString(), e));
    }
  }

  private void connect() throws Failure {
    Socket opening = new Socket();
    try {
      opening.setTcpNoDelay(true);
      opening.setSoTimeout(timeoutMillis);
      opening.connect(server, timeoutMillis);
      received = new CountingInput(opening.getInputStream());
      in = new BufferedInputStream(received, READ_BUFFER);
      out = opening.getOutputStream();
      socket = opening;
      answered = 0;
    } catch (IOException e) {
      closeQuietly(opening);
      throw new Failure(
          "could not connect to " + server, e instanceof SocketTimeoutException, 0, 0, 0, e);
    }
  }

  private Failure failed(String what, boolean timedOut, long before, IOException cause) {
    Failure failure =
        new Failure(
            what, timedOut, received.count - before, socket.getLocalPort(), answered, cause);
    close();
    return failure;
  }

  /** Closes the connection, if one is open; the next request opens another. */
  @Override
  public void close() {
    if (socket != null) {
      closeQuietly(socket);
      socket = null;
    }
  }

  private static void closeQuietly(Socket socket) {
    try {
      socket.close();
    } catch (IOException alreadyGone) {
      // nothing to free beyond what close() freed
    }
  }

  /** Counts the bytes read from the socket, before any buffering. */
  private static final class CountingInput extends FilterInputStream {
    private long count;

    CountingInput(InputStream in) {
      super(in);
    }

    @Override
    public int read() throws IOException {
      int b = super.read();
      if (b >= 0) {
        count++;
      }
      return b;
    }

    @Override
    public int read(byte[] bytes, int offset, int length) throws IOException {
      int n = super.read(bytes, offset, length);
      if (n > 0) {
        count += n;
      }
      return n;
    }
  }
}
