package cachegate.support;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * A small forward proxy on loopback, as corporate networks have: {@code CONNECT host:port} opens a
 * tunnel (for https upstreams), and a request in absolute form ({@code GET http://host/…}) is
 * passed on to its host (for http upstreams). It records each target it was asked for.
 */
public final class ConnectProxy implements AutoCloseable {
  private final ServerSocket server;
  private final ExecutorService threads = Executors.newCachedThreadPool();
  private final List<String> targets = new CopyOnWriteArrayList<>();

  private ConnectProxy() {
    try {
      server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    threads.execute(this::accept);
  }

  public static ConnectProxy start() {
    return new ConnectProxy();
  }

  /** {@code http://127.0.0.1:<port>}. */
  public String url() {
    return "http://127.0.0.1:" + server.getLocalPort();
  }

  /** Every request line's method and target, e.g. {@code CONNECT 127.0.0.1:4443}. */
  public List<String> targets() {
    return List.copyOf(targets);
  }

  @Override
  public void close() {
    try {
      server.close();
    } catch (IOException e) {
      // closing anyway
    }
    threads.shutdownNow();
  }

  private void accept() {
    while (!server.isClosed()) {
      try {
        Socket client = server.accept();
        threads.execute(() -> serve(client));
      } catch (IOException e) {
        return;
      }
    }
  }

  private void serve(Socket client) {
    try (client) {
      InputStream in = client.getInputStream();
      byte[] head = readHead(in);
      String requestLine =
          new String(head, StandardCharsets.ISO_8859_1).lines().findFirst().orElse("");
      String[] parts = requestLine.split(" ");
      if (parts.length < 3) {
        return;
      }
      targets.add(parts[0] + " " + parts[1]);
      String host;
      int port;
      if (parts[0].equals("CONNECT")) {
        host = parts[1].substring(0, parts[1].lastIndexOf(':'));
        port = Integer.parseInt(parts[1].substring(parts[1].lastIndexOf(':') + 1));
      } else {
        URI target = URI.create(parts[1]);
        host = target.getHost();
        port = target.getPort() > 0 ? target.getPort() : 80;
      }
      try (Socket upstream = new Socket(host, port)) {
        if (parts[0].equals("CONNECT")) {
          client
              .getOutputStream()
              .write(
                  "HTTP/1.1 200 Connection Established\r\n\r\n"
                      .getBytes(StandardCharsets.US_ASCII));
        } else {
          upstream.getOutputStream().write(head);
        }
        threads.execute(() -> pipe(client, upstream));
        pipe(upstream, client);
      }
    } catch (IOException e) {
      // a connection that ends is the end of its tunnel
    }
  }

  private static byte[] readHead(InputStream in) throws IOException {
    ByteArrayOutputStream head = new ByteArrayOutputStream();
    int matched = 0;
    byte[] end = {'\r', '\n', '\r', '\n'};
    while (matched < 4) {
      int b = in.read();
      if (b < 0) {
        break;
      }
      head.write(b);
      matched = b == end[matched] ? matched + 1 : (b == '\r' ? 1 : 0);
    }
    return head.toByteArray();
  }

  private static void pipe(Socket from, Socket to) {
    try {
      InputStream in = from.getInputStream();
      OutputStream out = to.getOutputStream();
      byte[] buffer = new byte[8192];
      for (int n; (n = in.read(buffer)) >= 0; ) {
        out.write(buffer, 0, n);
        out.flush();
      }
      to.shutdownOutput();
    } catch (IOException e) {
      // either side closed
    }
  }
}
