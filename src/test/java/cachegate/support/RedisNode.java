package cachegate.support;

import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;

/**
 * One {@code redis-server} process of a test topology (a cluster node, a replica, a sentinel),
 * started by the tests on a loopback port, with a lazily opened connection for inspecting it.
 * Killing it is SIGKILL, as a crash.
 */
final class RedisNode implements AutoCloseable {
  private final Process process;
  private final int port;
  private RedisClient client;
  private StatefulRedisConnection<String, String> connection;

  private RedisNode(Process process, int port) {
    this.process = process;
    this.port = port;
  }

  /**
   * Starts {@code redis-server <args>} listening on {@code port}, logging into {@code dir}, and
   * waits until it answers PING.
   */
  static RedisNode start(Path dir, int port, List<String> args) {
    List<String> command = new ArrayList<>();
    command.add(RedisServer.binary().toString());
    command.addAll(args);
    Process process;
    try {
      process =
          new ProcessBuilder(command)
              .directory(dir.toFile())
              .redirectErrorStream(true)
              .redirectOutput(dir.resolve("redis-" + port + ".log").toFile())
              .start();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    RedisNode node = new RedisNode(process, port);
    try {
      Awaitility.await("redis-server on port " + port)
          .atMost(Duration.ofSeconds(10))
          .pollInterval(Duration.ofMillis(20))
          .ignoreExceptions()
          // A server that exited (its port taken by another process, say) is not waited for.
          .failFast(
              "redis-server on port " + port + " exited; see redis-" + port + ".log",
              () -> !process.isAlive())
          .until(() -> "PONG".equals(node.sync().ping()));
    } catch (RuntimeException e) {
      node.close();
      throw e;
    }
    return node;
  }

  int port() {
    return port;
  }

  String address() {
    return "127.0.0.1:" + port;
  }

  boolean isAlive() {
    return process.isAlive();
  }

  /** Commands on this node alone (never redirected), with a 2 s timeout. */
  synchronized RedisCommands<String, String> sync() {
    if (client == null) {
      client =
          RedisClient.create(
              RedisURI.builder()
                  .withHost("127.0.0.1")
                  .withPort(port)
                  .withTimeout(Duration.ofSeconds(2))
                  .build());
    }
    if (connection == null) {
      // One client for every try: a connect refused while the server starts leaves it for the next.
      connection = client.connect();
    }
    return connection.sync();
  }

  /** SIGKILL, as a crash. */
  void kill() {
    process.destroyForcibly();
    try {
      process.waitFor(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    closeConnection();
  }

  @Override
  public void close() {
    kill();
  }

  private synchronized void closeConnection() {
    if (client != null) {
      if (connection != null) {
        connection.close();
      }
      client.shutdown(Duration.ZERO, Duration.ofSeconds(1));
      client = null;
      connection = null;
    }
  }

  /** {@code count} free loopback ports whose cluster bus port (+10000) is free too. */
  static List<Integer> freePorts(int count) {
    List<Integer> ports = new ArrayList<>();
    while (ports.size() < count) {
      try (ServerSocket socket = new ServerSocket(0)) {
        int port = socket.getLocalPort();
        if (port + 10_000 <= 65_535 && !ports.contains(port) && isFree(port + 10_000)) {
          ports.add(port);
        }
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
    return ports;
  }

  private static boolean isFree(int port) {
    try (ServerSocket socket = new ServerSocket(port)) {
      return socket.isBound();
    } catch (IOException e) {
      return false;
    }
  }
}
