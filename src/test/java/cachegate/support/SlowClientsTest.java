package cachegate.support;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.sun.management.UnixOperatingSystemMXBean;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** SlowClients against tiny loopback servers that close after a second, or never. */
@Timeout(60)
class SlowClientsTest {
  private static final Duration ONE_SECOND = Duration.ofSeconds(1);
  private static final Duration TOLERANCE_BELOW = Duration.ofMillis(50);
  private static final Duration GENEROUS_ABOVE = Duration.ofSeconds(3);

  @Test
  void slowlorisSendsAHeaderLineEveryIntervalAndNeverEndsTheHead() {
    try (TinyServer server = new TinyServer(Optional.empty(), Answer.RECORD, false);
        SlowClients clients = SlowClients.against("127.0.0.1", server.port())) {

      clients.slowloris(3, "GET /universities?country=de HTTP/1.1", Duration.ofMillis(200));

      await()
          .atMost(Duration.ofSeconds(15))
          .until(
              () ->
                  server.received.size() == 3
                      && server.received.stream()
                          .allMatch(text -> text.indexOf("X-Slowloris: 3\r\n") > 0));
      for (StringBuffer received : server.received) {
        assertThat(received.toString())
            .startsWith(
                "GET /universities?country=de HTTP/1.1\r\nHost: 127.0.0.1:"
                    + server.port()
                    + "\r\nX-Slowloris: 0\r\n")
            .contains("X-Slowloris: 3\r\n")
            .doesNotContain("\r\n\r\n");
      }
    }
  }

  @Test
  void slowlorisConnectionsTheServerClosesAfterOneSecondAreReportedClosedAfterAboutOneSecond() {
    try (TinyServer server = new TinyServer(Optional.of(ONE_SECOND), Answer.NONE, false);
        SlowClients clients = SlowClients.against("127.0.0.1", server.port())) {

      SlowConnections loris = clients.slowloris(50, "GET / HTTP/1.1", Duration.ofMillis(100));

      await().atMost(Duration.ofSeconds(15)).until(() -> loris.stillOpen() == 0);
      assertClosedAfterAboutOneSecond(loris);
    }
  }

  @Test
  void thousandsOfSlowlorisConnectionsAreDrivenByOneThread() {
    assertThat(freeDescriptors())
        .as("4,000 connections and the test server's 4,000 need descriptors: raise ulimit -n")
        .isGreaterThan(2 * 4_000 + 500);
    try (TinyServer server = new TinyServer(Optional.of(ONE_SECOND), Answer.NONE, false);
        SlowClients clients = SlowClients.against("127.0.0.1", server.port())) {

      SlowConnections loris = clients.slowloris(4_000, "GET / HTTP/1.1", Duration.ofMillis(500));

      assertThat(
              Thread.getAllStackTraces().keySet().stream()
                  .filter(t -> t.getName().startsWith("slow-clients")))
          .hasSize(1);
      await().atMost(Duration.ofSeconds(30)).until(() -> loris.stillOpen() == 0);
      assertThat(loris.count()).isEqualTo(4_000);
      assertClosedAfterAboutOneSecond(loris);
    }
  }

  @Test
  void slowReadersAreReportedClosedAlthoughTheServersFinWaitsBehindDataTheyNeverRead() {
    try (TinyServer server = new TinyServer(Optional.of(ONE_SECOND), Answer.HUGE, false);
        SlowClients clients = SlowClients.against("127.0.0.1", server.port())) {

      SlowConnections readers = clients.slowReaders(20, "/universities?country=de");

      await().atMost(Duration.ofSeconds(15)).until(() -> readers.stillOpen() == 0);
      assertClosedAfterAboutOneSecond(readers);
      assertThat(server.requests)
          .allSatisfy(request -> assertThat(request).contains("Accept-Encoding: identity\r\n"));
      assertThat(server.written)
          .hasSize(20)
          .allSatisfy(written -> assertThat(written.get()).isLessThan(Answer.HUGE.bytes / 4));
    }
  }

  @Test
  void slowReadersSeeAResetFromTheServer() {
    try (TinyServer server = new TinyServer(Optional.of(ONE_SECOND), Answer.HUGE, true);
        SlowClients clients = SlowClients.against("127.0.0.1", server.port())) {

      SlowConnections readers = clients.slowReaders(20, "/");

      await().atMost(Duration.ofSeconds(15)).until(() -> readers.stillOpen() == 0);
      assertClosedAfterAboutOneSecond(readers);
    }
  }

  @Test
  void slowReadersWhoseWholeAnswerArrivedSeeTheServersFin() {
    try (TinyServer server = new TinyServer(Optional.of(ONE_SECOND), Answer.SMALL, false);
        SlowClients clients = SlowClients.against("127.0.0.1", server.port())) {

      SlowConnections readers = clients.slowReaders(20, "/", "gzip");

      await().atMost(Duration.ofSeconds(15)).until(() -> readers.stillOpen() == 0);
      assertClosedAfterAboutOneSecond(readers);
      assertThat(server.requests)
          .allSatisfy(request -> assertThat(request).contains("Accept-Encoding: gzip\r\n"));
    }
  }

  @Test
  void connectionsTheServerKeepsAreReportedOpenUntilClosedByTheClients() throws Exception {
    try (TinyServer server = new TinyServer(Optional.empty(), Answer.HUGE, false)) {
      try (SlowClients clients = SlowClients.against("127.0.0.1", server.port())) {
        SlowConnections loris = clients.slowloris(20, "GET / HTTP/1.1", Duration.ofMillis(100));
        SlowConnections readers = clients.slowReaders(20, "/");

        Thread.sleep(1_500);

        for (SlowConnections connections : List.of(loris, readers)) {
          assertThat(connections.stillOpen()).isEqualTo(20);
          assertThat(connections.closedAfter()).hasSize(20).allMatch(Optional::isEmpty);
          assertThat(connections.minClosedAfter()).isEmpty();
          assertThat(connections.maxClosedAfter()).isEmpty();
        }
      }

      await().until(() -> server.ends.get() == 40);
    }
  }

  @Test
  void refusesMoreConnectionsThanTheFileDescriptorLimitAllowsNamingUlimit() {
    int tooMany = (int) Math.min(freeDescriptors(), Integer.MAX_VALUE);
    try (SlowClients clients = SlowClients.against("127.0.0.1", 9)) {

      assertThatThrownBy(() -> clients.slowloris(tooMany, "GET / HTTP/1.1", ONE_SECOND))
          .isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("ulimit -n");
    }
  }

  private static long freeDescriptors() {
    UnixOperatingSystemMXBean os =
        (UnixOperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
    return os.getMaxFileDescriptorCount() - os.getOpenFileDescriptorCount();
  }

  private static void assertClosedAfterAboutOneSecond(SlowConnections connections) {
    assertThat(connections.minClosedAfter())
        .hasValueSatisfying(
            min -> assertThat(min).isGreaterThanOrEqualTo(ONE_SECOND.minus(TOLERANCE_BELOW)));
    assertThat(connections.maxClosedAfter())
        .hasValueSatisfying(max -> assertThat(max).isLessThan(ONE_SECOND.plus(GENEROUS_ABOVE)));
  }

  /** What the tiny server does with a connection before it closes it. */
  private enum Answer {
    /** Nothing: it never reads, so its close is a reset. */
    NONE(0),
    /** Reads and keeps what arrives. */
    RECORD(0),
    /** Reads the request's head, then answers 100 bytes. */
    SMALL(100),
    /** Reads the request's head, then tries to answer 64 MiB. */
    HUGE(64 << 20);

    final int bytes;

    Answer(int bytes) {
      this.bytes = bytes;
    }
  }

  /**
   * A loopback server that closes every connection a while after accepting it (with a FIN, or a
   * reset when asked), or never.
   */
  private static final class TinyServer implements AutoCloseable {
    final List<StringBuffer> received = new CopyOnWriteArrayList<>();
    final List<String> requests = new CopyOnWriteArrayList<>();
    final List<AtomicLong> written = new CopyOnWriteArrayList<>();
    final AtomicInteger ends = new AtomicInteger();
    private final ServerSocket listener;
    private final Optional<Duration> closeAfter;
    private final Answer answer;
    private final boolean reset;
    private final ScheduledExecutorService closer = Executors.newSingleThreadScheduledExecutor();
    private final ExecutorService connections = Executors.newCachedThreadPool();
    private final List<Socket> accepted = new CopyOnWriteArrayList<>();

    TinyServer(Optional<Duration> closeAfter, Answer answer, boolean reset) {
      try {
        this.listener = new ServerSocket(0, 4096, InetAddress.getLoopbackAddress());
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      this.closeAfter = closeAfter;
      this.answer = answer;
      this.reset = reset;
      connections.execute(this::accept);
    }

    int port() {
      return listener.getLocalPort();
    }

    private void accept() {
      while (!listener.isClosed()) {
        try {
          Socket socket = listener.accept();
          accepted.add(socket);
          closeAfter.ifPresent(
              delay ->
                  closer.schedule(() -> close(socket), delay.toMillis(), TimeUnit.MILLISECONDS));
          if (answer != Answer.NONE) {
            connections.execute(() -> serve(socket));
          }
        } catch (IOException closed) {
          return;
        }
      }
    }

    /** Reads (keeping it all for RECORD), answers once the head is complete, reads on. */
    private void serve(Socket socket) {
      StringBuffer text = new StringBuffer();
      if (answer == Answer.RECORD) {
        received.add(text);
      }
      try {
        InputStream in = socket.getInputStream();
        for (int b = in.read(); b >= 0; b = in.read()) {
          text.append((char) b);
          if (answer != Answer.RECORD && text.toString().endsWith("\r\n\r\n")) {
            requests.add(text.toString());
            write(socket.getOutputStream());
          }
        }
      } catch (IOException closedOrReset) {
        // the client or the closer ended it
      } finally {
        closeQuietly(socket);
        ends.incrementAndGet();
      }
    }

    private void write(OutputStream out) throws IOException {
      AtomicLong sent = new AtomicLong();
      written.add(sent);
      byte[] piece = new byte[Math.min(answer.bytes, 64 * 1024)];
      while (sent.get() < answer.bytes) {
        out.write(piece);
        sent.addAndGet(piece.length);
      }
    }

    private void close(Socket socket) {
      try {
        socket.setSoLinger(reset, 0);
      } catch (IOException alreadyClosed) {
        return;
      }
      closeQuietly(socket);
    }

    @Override
    public void close() {
      closeQuietly(listener);
      accepted.forEach(TinyServer::closeQuietly);
      closer.shutdownNow();
      connections.shutdownNow();
    }

    private static void closeQuietly(java.io.Closeable closeable) {
      try {
        closeable.close();
      } catch (IOException ignored) {
        // the test server is going away
      }
    }
  }
}
