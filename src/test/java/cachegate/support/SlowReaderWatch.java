package cachegate.support;

import java.io.Closeable;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * The sockets behind {@link SlowClients#slowReaders}, and the thread that watches them in the
 * kernel's TCP table without reading a byte.
 */
final class SlowReaderWatch implements Closeable {
  private static final List<Path> TABLES =
      List.of(Path.of("/proc/net/tcp"), Path.of("/proc/net/tcp6"));
  private static final long POLL_MILLIS = 100;
  private static final int ESTABLISHED = 0x01;
  private static final int SYN_SENT = 0x02;
  private static final int SYN_RECV = 0x03;

  private final Socket[] sockets;
  private final int[] localPorts;
  private final int serverPort;
  private final SlowConnections connections;
  private final boolean[] serverEndSeen;
  private final long[] goneSince;
  private final ScheduledExecutorService poller =
      Executors.newSingleThreadScheduledExecutor(
          task -> {
            Thread thread = new Thread(task, "slow-clients-readers");
            thread.setDaemon(true);
            return thread;
          });

  private SlowReaderWatch(Socket[] sockets, int serverPort, SlowConnections connections) {
    this.sockets = sockets;
    this.localPorts = Arrays.stream(sockets).mapToInt(Socket::getLocalPort).toArray();
    this.serverPort = serverPort;
    this.connections = connections;
    this.serverEndSeen = new boolean[sockets.length];
    this.goneSince = new long[sockets.length];
  }

  static SlowConnections open(
      InetSocketAddress server, int count, String target, String acceptEncoding) {
    if (!Files.isReadable(TABLES.get(0))) {
      throw new UnsupportedOperationException(
          "slow readers are watched in /proc/net/tcp, which this system lacks (Linux only)");
    }
    SlowConnections connections = new SlowConnections("slow readers of " + target, count);
    String host = server.getHostString() + ":" + server.getPort();
    byte[] request =
        ("GET "
                + target
                + " HTTP/1.1\r\nHost: "
                + host
                + "\r\nAccept-Encoding: "
                + acceptEncoding
                + "\r\n\r\n")
            .getBytes(StandardCharsets.ISO_8859_1);
    Socket[] sockets = new Socket[count];
    int i = 0;
    try {
      for (; i < count; i++) {
        sockets[i] = new Socket();
        sockets[i].setReceiveBufferSize(SlowClients.SLOW_READER_RECEIVE_BUFFER);
        sockets[i].connect(server, (int) SlowClients.CONNECT_TIMEOUT.toMillis());
        connections.opened(i);
        try {
          sockets[i].getOutputStream().write(request);
        } catch (IOException closedAtOnce) {
          connections.closed(i, System.nanoTime());
        }
      }
    } catch (IOException e) {
      closeAll(sockets);
      throw new UncheckedIOException(
          "slow readers: connection " + (i + 1) + " of " + count + " to " + server + " failed", e);
    }
    SlowReaderWatch watch = new SlowReaderWatch(sockets, server.getPort(), connections);
    connections.drivenBy(watch);
    watch.poller.scheduleWithFixedDelay(watch::poll, 0, POLL_MILLIS, TimeUnit.MILLISECONDS);
    return connections;
  }

  @Override
  public void close() {
    poller.shutdownNow();
    try {
      poller.awaitTermination(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    closeAll(sockets);
  }

  /** One look at the TCP table: which connections did the server close since the last? */
  private void poll() {
    Map<Integer, Integer> states;
    try {
      states = readTables();
    } catch (IOException | UncheckedIOException unreadableThisTime) {
      return;
    }
    long now = System.nanoTime();
    for (int i = 0; i < sockets.length; i++) {
      if (!connections.isOpen(i)) {
        continue;
      }
      Integer ours = states.get(localPorts[i] << 16 | serverPort);
      Integer theirs = states.get(serverPort << 16 | localPorts[i]);
      serverEndSeen[i] |= theirs != null;
      if (ours != null && isClosing(ours) || theirs != null && isClosing(theirs)) {
        serverClosed(i, now);
      } else if (ours == null || serverEndSeen[i] && theirs == null) {
        if (goneSince[i] == 0) {
          goneSince[i] = now;
        } else {
          serverClosed(i, goneSince[i]);
        }
      } else {
        goneSince[i] = 0;
      }
    }
  }

  private void serverClosed(int connection, long nanoTime) {
    connections.closed(connection, nanoTime);
    closeQuietly(sockets[connection]);
  }

  /**
   * A state past ESTABLISHED: our end in CLOSE_WAIT (the server's FIN arrived), the server's end in
   * FIN_WAIT1 (its FIN queued, perhaps behind data we never read), FIN_WAIT2, TIME_WAIT, ...
   */
  private static boolean isClosing(int state) {
    return state != ESTABLISHED && state != SYN_SENT && state != SYN_RECV;
  }

  /** State by {@code localPort << 16 | remotePort}, from IPv4 and IPv6 tables alike. */
  private static Map<Integer, Integer> readTables() throws IOException {
    Map<Integer, Integer> states = new HashMap<>();
    for (Path table : TABLES) {
      if (!Files.isReadable(table)) {
        continue;
      }
      try (Stream<String> lines = Files.lines(table, StandardCharsets.US_ASCII)) {
        lines
            .skip(1)
            .forEach(
                line -> {
                  String[] fields = line.trim().split("\\s+", 5);
                  states.put(
                      port(fields[1]) << 16 | port(fields[2]), Integer.parseInt(fields[3], 16));
                });
      }
    }
    return states;
  }

  private static int port(String address) {
    return Integer.parseInt(address.substring(address.indexOf(':') + 1), 16);
  }

  private static void closeAll(Socket[] sockets) {
    for (Socket socket : sockets) {
      closeQuietly(socket);
    }
  }

  /** Closes {@code closeable}, if any, ignoring a failure to close. */
  static void closeQuietly(Closeable closeable) {
    if (closeable == null) {
      return;
    }
    try {
      closeable.close();
    } catch (IOException ignored) {
      // a socket that fails to close is gone all the same for the test
    }
  }
}
