package cachegate.support;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** KeepAliveClient against a loopback server that answers each request with the next step. */
@Timeout(30)
class KeepAliveClientTest {
  private static final Duration TIMEOUT = Duration.ofMillis(500);
  private static final String HELLO = "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello";

  @Test
  void successiveRequestsShareOneConnectionAndReadLengthAndChunkedBodies() throws IOException {
    try (ScriptedServer server =
            new ScriptedServer(
                List.of(
                    Step.answer(HELLO),
                    Step.answer(
                        "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nX-Cache: HIT\r\n\r\n"
                            + "3\r\nwor\r\n2;ext=1\r\nld\r\n0\r\nTrailer: x\r\n\r\n")));
        KeepAliveClient client = new KeepAliveClient("127.0.0.1", server.port(), TIMEOUT)) {

      RawAnswer first = client.get("/a", Map.of("X-Request-Id", "one"));
      RawAnswer second = client.get("/b", Map.of());

      assertThat(new String(first.body(), StandardCharsets.US_ASCII)).isEqualTo("hello");
      assertThat(new String(second.body(), StandardCharsets.US_ASCII)).isEqualTo("world");
      assertThat(second.header("x-cache")).contains("HIT");
      assertThat(server.connections()).hasSize(1);
      assertThat(server.requests())
          .containsExactly(
              "GET /a HTTP/1.1|Host: 127.0.0.1:" + server.port() + "|X-Request-Id: one",
              "GET /b HTTP/1.1|Host: 127.0.0.1:" + server.port());
    }
  }

  @Test
  void anAnswerWithConnectionCloseMakesTheNextRequestOpenANewConnection() throws IOException {
    try (ScriptedServer server =
            new ScriptedServer(
                List.of(
                    Step.answerAndClose(
                        "HTTP/1.1 503 Service Unavailable\r\nConnection: close\r\n"
                            + "Content-Length: 0\r\n\r\n"),
                    Step.answer(HELLO)));
        KeepAliveClient client = new KeepAliveClient("127.0.0.1", server.port(), TIMEOUT)) {

      RawAnswer refused = client.get("/", Map.of());
      RawAnswer answered = client.get("/", Map.of());

      assertThat(refused.status()).isEqualTo(503);
      assertThat(answered.status()).isEqualTo(200);
      assertThat(server.connections()).hasSize(2);
    }
  }

  @Test
  void interimAnswersAreSkippedAndABodyEndingWithTheStreamClosesTheConnection() throws IOException {
    try (ScriptedServer server =
            new ScriptedServer(
                List.of(
                    Step.answerAndClose(
                        "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\n\r\nto the end"),
                    Step.answer(HELLO)));
        KeepAliveClient client = new KeepAliveClient("127.0.0.1", server.port(), TIMEOUT)) {

      RawAnswer unframed = client.get("/", Map.of());
      RawAnswer next = client.get("/", Map.of());

      assertThat(unframed.status()).isEqualTo(200);
      assertThat(new String(unframed.body(), StandardCharsets.US_ASCII)).isEqualTo("to the end");
      assertThat(unframed.closesConnection()).isTrue();
      assertThat(next.status()).isEqualTo(200);
      assertThat(server.connections()).hasSize(2);
    }
  }

  @Test
  void aServerSilentForTheTimeoutFailsTheRequestAsTimedOutSayingWhatArrivedAndOnWhichPort()
      throws IOException {
    String partial = "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc";
    try (ScriptedServer server =
            new ScriptedServer(List.of(Step.answer(HELLO), Step.answer(partial)));
        KeepAliveClient client = new KeepAliveClient("127.0.0.1", server.port(), TIMEOUT)) {
      client.get("/", Map.of());

      assertThatThrownBy(() -> client.get("/", Map.of()))
          .isInstanceOfSatisfying(
              KeepAliveClient.Failure.class,
              failure -> {
                assertThat(failure.timedOut()).isTrue();
                assertThat(failure.receivedBytes()).isEqualTo(partial.length());
                assertThat(failure.localPort()).isEqualTo(server.connections().get(0));
                assertThat(failure.earlierAnswers()).isEqualTo(1);
              });
    }
  }

  @Test
  void aConnectionClosedBeforeItsAnswerFailsOnceAndTheNextRequestReconnects() throws IOException {
    try (ScriptedServer server =
            new ScriptedServer(List.of(Step.answer(HELLO), Step.hangUp(), Step.answer(HELLO)));
        KeepAliveClient client = new KeepAliveClient("127.0.0.1", server.port(), TIMEOUT)) {
      client.get("/", Map.of());

      assertThatThrownBy(() -> client.get("/", Map.of()))
          .isInstanceOfSatisfying(
              KeepAliveClient.Failure.class,
              failure -> {
                assertThat(failure.timedOut()).isFalse();
                assertThat(failure.receivedBytes()).isZero();
                assertThat(failure.earlierAnswers()).isEqualTo(1);
              });
      RawAnswer again = client.get("/", Map.of());

      assertThat(again.status()).isEqualTo(200);
      assertThat(server.connections()).hasSize(2);
      assertThat(server.requests()).hasSize(3);
    }
  }

  /** What the server does with one request: write {@code bytes}, then close or not. */
  private record Step(String bytes, boolean closeAfter) {
    static Step answer(String bytes) {
      return new Step(bytes, false);
    }

    static Step answerAndClose(String bytes) {
      return new Step(bytes, true);
    }

    static Step hangUp() {
      return new Step("", true);
    }
  }

  /**
   * Takes connections one at a time and answers each request head with the next step; when the
   * steps run out it keeps the connection open and silent.
   */
  private static final class ScriptedServer implements AutoCloseable {
    private final ServerSocket listening;
    private final BlockingQueue<Step> steps;
    private final List<Integer> connections = new CopyOnWriteArrayList<>();
    private final List<String> requests = new CopyOnWriteArrayList<>();
    private final List<Socket> sockets = new CopyOnWriteArrayList<>();
    private final Thread thread;

    ScriptedServer(List<Step> steps) throws IOException {
      this.listening = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
      this.steps = new LinkedBlockingQueue<>(steps);
      this.thread = new Thread(this::serve, "scripted-server");
      thread.setDaemon(true);
      thread.start();
    }

    int port() {
      return listening.getLocalPort();
    }

    /** The client's port of each connection taken, in order. */
    List<Integer> connections() {
      return connections;
    }

    /** Each request head received, its lines joined with {@code |}. */
    List<String> requests() {
      return requests;
    }

    private void serve() {
      while (!listening.isClosed()) {
        try {
          Socket socket = listening.accept();
          sockets.add(socket);
          connections.add(socket.getPort());
          answer(socket);
        } catch (IOException closedOrGone) {
          // the test is over, or the client went away: take the next connection
        }
      }
    }

    private void answer(Socket socket) throws IOException {
      BufferedReader in =
          new BufferedReader(
              new InputStreamReader(socket.getInputStream(), StandardCharsets.ISO_8859_1));
      OutputStream out = socket.getOutputStream();
      while (true) {
        StringBuilder head = new StringBuilder();
        for (String line = in.readLine(); line != null && !line.isEmpty(); line = in.readLine()) {
          head.append(head.length() == 0 ? "" : "|").append(line);
        }
        if (head.length() == 0) {
          socket.close();
          return;
        }
        requests.add(head.toString());
        Step step = steps.poll();
        if (step == null) {
          return;
        }
        out.write(step.bytes().getBytes(StandardCharsets.ISO_8859_1));
        out.flush();
        if (step.closeAfter()) {
          socket.close();
          return;
        }
      }
    }

    @Override
    public void close() throws IOException {
      listening.close();
      for (Socket socket : sockets) {
        socket.close();
      }
    }
  }
}
