package cachegate.support;

import com.sun.net.httpserver.HttpHandler;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * The JDK's HTTP server on a free loopback port, each exchange handled on a thread pool of its own:
 * what the fake APIs run on.
 */
public final class LoopbackHttp implements AutoCloseable {
  private final HttpServer server;
  private final ExecutorService executor = Executors.newCachedThreadPool();

  private LoopbackHttp(String path, HttpHandler handler) {
    try {
      server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 512);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    server.createContext(path, handler);
    server.setExecutor(executor);
    server.start();
  }

  /** Serves every path with {@code handler}. */
  public static LoopbackHttp serve(HttpHandler handler) {
    return serve("/", handler);
  }

  /** Serves {@code path} and below with {@code handler}; anything else is a 404. */
  public static LoopbackHttp serve(String path, HttpHandler handler) {
    return new LoopbackHttp(path, handler);
  }

  /** {@code http://127.0.0.1:<port>}, without a trailing slash. */
  public String url() {
    return "http://127.0.0.1:" + server.getAddress().getPort();
  }

  @Override
  public void close() {
    server.stop(0);
    executor.shutdownNow();
  }
}
