package cachegate.support;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A TCP server on loopback that accepts every connection, reads a little, and resets it (RST, via
 * SO_LINGER 0): an upstream whose connections break mid-request.
 */
public final class ResettingServer implements AutoCloseable {
  private final ServerSocket socket;
  private final AtomicInteger connections = new AtomicInteger();
  private final Thread acceptor;

  private ResettingServer() {
    try {
      socket = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    acceptor = new Thread(this::accept, "resetting-server");
    acceptor.setDaemon(true);
    acceptor.start();
  }

  public static ResettingServer start() {
    return new ResettingServer();
  }

  public String url() {
    return "http://127.0.0.1:" + socket.getLocalPort();
  }

  public int connections() {
    return connections.get();
  }

  private void accept() {
    while (!socket.isClosed()) {
      try (Socket connection = socket.accept()) {
        connections.incrementAndGet();
        connection.setSoTimeout(1_000);
        connection.getInputStream().read(new byte[64]);
        connection.setSoLinger(true, 0);
      } catch (IOException closedOrReset) {
        // the next connection, or the end
      }
    }
  }

  @Override
  public void close() {
    try {
      socket.close();
    } catch (IOException ignored) {
      // closing a listening socket on loopback does not fail in a way that matters to a test
    }
  }
}
