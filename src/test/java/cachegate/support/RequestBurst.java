package cachegate.support;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.BrokenBarrierException;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * {@code GET} requests that reach their servers at the same instant, as {@code bench/burst.py}
 * sends them: each request has its own thread and its own connection, opened before a barrier; when
 * the barrier falls every thread writes its request at once, so a server sees all of them together
 * instead of one connection after another. With several servers the requests go round robin:
 * request {@code i} to {@code servers.get(i % servers.size())}.
 *
 * <p>Raw HTTP/1.1 over a {@link Socket}, one request per connection ({@code Connection: close}), no
 * {@code Accept-Encoding} (so answers are identity-coded), each answer read as a {@link RawAnswer}.
 * Every request ends in an {@link Answer}: a connection that cannot be opened, a read that times
 * out or a malformed answer is an answer with status 0 and a {@code failure}, never an exception,
 * so a burst always reports all of its requests. Each call uses its own threads; nothing is shared
 * between calls.
 */
public final class RequestBurst {
  /** How long a request may take to connect, to wait for the others, or to be answered. */
  public static final Duration TIMEOUT = Duration.ofSeconds(30);

  private RequestBurst() {}

  /**
   * The answer to one request of a burst.
   *
   * @param server the index of the server it was sent to
   * @param status the HTTP status, 0 when the request failed
   * @param headers the answer's headers, names lower-cased, the first value of each
   * @param body the body as UTF-8 text (chunked bodies decoded)
   * @param failure why the request failed, empty when it did not
   */
  public record Answer(
      int server, int status, Map<String, String> headers, String body, String failure) {
    public Answer {
      headers = Map.copyOf(headers);
    }

    static Answer failed(int server, Exception cause) {
      return new Answer(server, 0, Map.of(), "", cause.toString());
    }

    /** The value of header {@code name} (any case), or {@code "-"} when absent. */
    public String header(String name) {
      return headers.getOrDefault(name.toLowerCase(Locale.ROOT), "-");
    }
  }

  /**
   * Sends {@code count} requests for {@code pathAndQuery} spread round robin over {@code servers}
   * (base URIs such as {@code http://127.0.0.1:5000}) all at once, and returns their answers in
   * request order once every one is answered or has failed.
   */
  public static List<Answer> send(List<URI> servers, String pathAndQuery, int count)
      throws InterruptedException {
    CyclicBarrier barrier = new CyclicBarrier(count);
    Answer[] answers = new Answer[count];
    List<Thread> threads = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      int request = i;
      int server = i % servers.size();
      Thread thread =
          new Thread(
              () -> answers[request] = exchange(server, servers.get(server), pathAndQuery, barrier),
              "burst-" + i);
      threads.add(thread);
      thread.start();
    }
    for (Thread thread : threads) {
      thread.join();
    }
    return List.of(answers);
  }

  private static Answer exchange(int server, URI base, String pathAndQuery, CyclicBarrier barrier) {
    try (Socket socket = new Socket()) {
      IOException notConnected = null;
      try {
        socket.setTcpNoDelay(true);
        socket.setSoTimeout((int) TIMEOUT.toMillis());
        socket.connect(
            new InetSocketAddress(base.getHost(), base.getPort()), (int) TIMEOUT.toMillis());
      } catch (IOException e) {
        notConnected = e;
      }
      // Reached also by a request that could not connect, so that the others do not wait for it.
      barrier.await(TIMEOUT.toSeconds(), TimeUnit.SECONDS);
      if (notConnected != null) {
        return Answer.failed(server, notConnected);
      }
      OutputStream out = socket.getOutputStream();
      out.write(
          ("GET "
                  + pathAndQuery
                  + " HTTP/1.1\r\nHost: "
                  + base.getHost()
                  + ":"
                  + base.getPort()
                  + "\r\nConnection: close\r\n\r\n")
              .getBytes(StandardCharsets.US_ASCII));
      out.flush();
      return read(server, new BufferedInputStream(socket.getInputStream()));
    } catch (IOException | BrokenBarrierException | TimeoutException e) {
      return Answer.failed(server, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return Answer.failed(server, e);
    }
  }

  private static Answer read(int server, InputStream in) throws IOException {
    RawAnswer answer = RawAnswer.read(in);
    return new Answer(
        server,
        answer.status(),
        answer.headers(),
        new String(answer.body(), StandardCharsets.UTF_8),
        "");
  }
}
