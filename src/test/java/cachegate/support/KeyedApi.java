package cachegate.support;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import javax.net.ssl.SSLContext;

/**
 * A JSON API on loopback that wants a key, as most rate-limited APIs do: it answers 401 unless
 * every required header and query parameter arrives with its value, and 200 {@code {"path": …}}
 * otherwise (never echoing the query, which holds the key). It records what each request carried,
 * and can be made slow. Over HTTP, or HTTPS with the certificate it is given.
 */
public final class KeyedApi implements AutoCloseable {
  /** What one request carried. */
  public record Seen(String path, String query, Map<String, List<String>> headers) {
    public String header(String name) {
      return headers.entrySet().stream()
          .filter(e -> e.getKey().equalsIgnoreCase(name))
          .map(e -> e.getValue().get(0))
          .findFirst()
          .orElse("");
    }
  }

  private final HttpServer server;
  private final String scheme;
  private final Map<String, String> requiredHeaders;
  private final Map<String, String> requiredQuery;
  private final ExecutorService executor = Executors.newCachedThreadPool();
  private final List<Seen> seen = new CopyOnWriteArrayList<>();
  private volatile Duration delay = Duration.ZERO;

  private KeyedApi(
      HttpServer server,
      String scheme,
      Map<String, String> requiredHeaders,
      Map<String, String> requiredQuery) {
    this.server = server;
    this.scheme = scheme;
    this.requiredHeaders = Map.copyOf(requiredHeaders);
    this.requiredQuery = Map.copyOf(requiredQuery);
    server.createContext("/", this::answer);
    server.setExecutor(executor);
    server.start();
  }

  /** Over HTTP, wanting these headers and query parameters. */
  public static KeyedApi start(Map<String, String> requiredHeaders, Map<String, String> query) {
    try {
      return new KeyedApi(
          HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 128),
          "http",
          requiredHeaders,
          query);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Over HTTPS with {@code tls}'s certificate, wanting nothing. */
  public static KeyedApi startTls(SSLContext tls) {
    try {
      HttpsServer server = HttpsServer.create(new InetSocketAddress("127.0.0.1", 0), 128);
      server.setHttpsConfigurator(new HttpsConfigurator(tls));
      return new KeyedApi(server, "https", Map.of(), Map.of());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** {@code http://127.0.0.1:<port>} (or https), without a trailing slash. */
  public String url() {
    return url("127.0.0.1");
  }

  /** The same with {@code host} for the address (e.g. {@code localhost}). */
  public String url(String host) {
    return scheme + "://" + host + ":" + port();
  }

  public int port() {
    return server.getAddress().getPort();
  }

  /** Every request received, in order. */
  public List<Seen> seen() {
    return List.copyOf(seen);
  }

  /** Every answer waits this long. */
  public KeyedApi slow(Duration delay) {
    this.delay = delay;
    return this;
  }

  @Override
  public void close() {
    server.stop(0);
    executor.shutdownNow();
  }

  private void answer(HttpExchange exchange) throws IOException {
    String path = exchange.getRequestURI().getRawPath();
    String query = exchange.getRequestURI().getRawQuery();
    seen.add(new Seen(path, query == null ? "" : query, Map.copyOf(exchange.getRequestHeaders())));
    try (exchange) {
      Thread.sleep(delay.toMillis());
      boolean keyed =
          requiredHeaders.entrySet().stream()
                  .allMatch(
                      h -> h.getValue().equals(exchange.getRequestHeaders().getFirst(h.getKey())))
              && requiredQuery.entrySet().stream()
                  .allMatch(
                      q ->
                          List.of((query == null ? "" : query).split("&"))
                              .contains(q.getKey() + "=" + q.getValue()));
      byte[] body =
          (keyed
                  ? new JsonObject().put("path", path)
                  : new JsonObject().put("message", "Bad credentials"))
              .encode()
              .getBytes(StandardCharsets.UTF_8);
      exchange.getResponseHeaders().set("Content-Type", "application/json");
      exchange.sendResponseHeaders(keyed ? 200 : 401, body.length);
      exchange.getResponseBody().write(body);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
