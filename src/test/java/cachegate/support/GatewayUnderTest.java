package cachegate.support;

import cachegate.CacheGateApp;
import cachegate.config.ConfigLoader;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.InstantSource;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.stream.IntStream;

/** cachegate started on a free port with the given variables, and a client to call it. */
public final class GatewayUnderTest implements AutoCloseable {
  private static final HttpClient CLIENT =
      HttpClient.newBuilder()
          .version(HttpClient.Version.HTTP_1_1)
          .connectTimeout(Duration.ofSeconds(5))
          .build();

  private final CacheGateApp app;

  private GatewayUnderTest(CacheGateApp app) {
    this.app = app;
  }

  /** Starts cachegate with {@code PORT=0} plus {@code env}, on {@code clock}. */
  public static GatewayUnderTest start(Map<String, String> env, InstantSource clock) {
    Map<String, String> variables = new HashMap<>(env);
    variables.putIfAbsent("PORT", "0");
    return new GatewayUnderTest(CacheGateApp.start(ConfigLoader.from(variables), clock));
  }

  /** The port cachegate listens on. */
  public int port() {
    return app.port();
  }

  public URI uri(String pathAndQuery) {
    return URI.create("http://127.0.0.1:" + app.port() + pathAndQuery);
  }

  /** {@code GET pathAndQuery}, failing the test if no answer comes within 15 seconds. */
  public HttpResponse<String> get(String pathAndQuery) {
    return send(HttpRequest.newBuilder(uri(pathAndQuery)).GET());
  }

  /** Sends {@code count} GET requests at once and waits for every answer. */
  public List<HttpResponse<String>> getConcurrently(String pathAndQuery, int count) {
    List<CompletableFuture<HttpResponse<String>>> answers =
        IntStream.range(0, count).mapToObj(i -> getAsync(pathAndQuery)).toList();
    return answers.stream().map(CompletableFuture::join).toList();
  }

  /** {@code GET pathAndQuery} without waiting; the answer must come within 30 seconds. */
  public CompletableFuture<HttpResponse<String>> getAsync(String pathAndQuery) {
    return CLIENT.sendAsync(
        HttpRequest.newBuilder(uri(pathAndQuery)).timeout(Duration.ofSeconds(30)).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  public HttpResponse<String> send(HttpRequest.Builder request) {
    try {
      return CLIENT.send(
          request.timeout(Duration.ofSeconds(15)).build(), HttpResponse.BodyHandlers.ofString());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /**
   * Sends {@code GET <target> HTTP/1.1} over a plain socket, for request targets that {@link
   * java.net.URI} refuses (such as broken percent-escapes), and returns the status and the body.
   */
  public RawResponse rawGet(String target) {
    try (java.net.Socket socket = new java.net.Socket("127.0.0.1", app.port())) {
      socket.setSoTimeout(15_000);
      String request =
          "GET " + target + " HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n";
      socket.getOutputStream().write(request.getBytes(java.nio.charset.StandardCharsets.UTF_8));
      String response =
          new String(
              socket.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
      int status = Integer.parseInt(response.substring(9, 12));
      return new RawResponse(status, response.substring(response.indexOf("\r\n\r\n") + 4));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * An answer read by {@link #rawGet}.
   *
   * @param status the HTTP status
   * @param body the body, assuming no chunked encoding
   */
  public record RawResponse(int status, String body) {}

  @Override
  public void close() {
    app.close();
  }
}
