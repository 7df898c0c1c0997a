package cachegate.support;

import cachegate.config.RedisConfig;
import cachegate.engine.CacheMetrics;
import cachegate.engine.CachePolicy;
import cachegate.engine.ManualClock;
import cachegate.store.RedisStore;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisCommandExecutionException;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import io.netty.channel.EventLoopGroup;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * A real {@code redis-server} that the tests start on a free loopback port and stop afterwards: the
 * one on PATH, else the binary inside the embedded-redis jar, so a bare machine needs only a JDK.
 * It keeps nothing on disk. Tests only ever flush a server started here.
 */
public final class RedisServer implements AutoCloseable {
  private RedisClient client;
  private StatefulRedisConnection<String, String> connection;
  private static final String JAR_BINARY_LINUX_AMD64 = "redis-server-6.2.6-v5-linux-amd64";
  private static final String JAR_BINARY_LINUX_ARM64 = "redis-server-6.2.7-linux-arm64";
  private static final String JAR_BINARY_DARWIN_AMD64 = "redis-server-6.2.6-v5-darwin-amd64";
  private static final String JAR_BINARY_DARWIN_ARM64 = "redis-server-6.2.6-v5-darwin-arm64";

  private final Process process;
  private final int port;
  private final Path log;

  private RedisServer(Process process, int port, Path log) {
    this.process = process;
    this.port = port;
    this.log = log;
  }

  /** Starts a server with {@code extraArgs} (e.g. {@code --requirepass x}) and waits for it. */
  public static RedisServer start(String... extraArgs) {
    return start(binary(), extraArgs);
  }

  /** Starts a server on {@code port}, e.g. again where a killed one listened. */
  public static RedisServer startOn(int port, String... extraArgs) {
    try {
      return launch(binary(), port, extraArgs)
          .orElseThrow(() -> new IllegalStateException("redis-server did not start on " + port));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Stops the process at once (SIGKILL), as a crash would. */
  public void kill() {
    signal("KILL");
    try {
      process.waitFor(5, java.util.concurrent.TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** Freezes the process (SIGSTOP): connections stay open but nothing is answered. */
  public void pause() {
    signal("STOP");
  }

  /** Thaws a paused process (SIGCONT). */
  public void resume() {
    signal("CONT");
  }

  private void signal(String name) {
    try {
      Process kill = new ProcessBuilder("kill", "-" + name, String.valueOf(process.pid())).start();
      kill.waitFor(5, java.util.concurrent.TimeUnit.SECONDS);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** Starts the binary bundled in the embedded-redis jar, even when PATH has one. */
  static RedisServer startFromJar() {
    return start(extractFromJar());
  }

  private static RedisServer start(Path binary, String... extraArgs) {
    IOException last = null;
    for (int attempt = 0; attempt < 5; attempt++) {
      try {
        Optional<RedisServer> server = launch(binary, freePort(), extraArgs);
        if (server.isPresent()) {
          return server.get();
        }
      } catch (IOException e) {
        last = e;
      }
    }
    throw new UncheckedIOException("could not start redis-server from " + binary, last);
  }

  private static Optional<RedisServer> launch(Path binary, int port, String... extraArgs)
      throws IOException {
    Path log = Files.createTempFile("cachegate-redis-" + port + "-", ".log");
    List<String> command =
        Stream.concat(
                Stream.of(
                    binary.toString(),
                    "--port",
                    String.valueOf(port),
                    "--bind",
                    "127.0.0.1",
                    "--save",
                    "",
                    "--appendonly",
                    "no",
                    "--dir",
                    System.getProperty("java.io.tmpdir")),
                Stream.of(extraArgs))
            .toList();
    Process process =
        new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    RedisServer server = new RedisServer(process, port, log);
    if (server.awaitListening()) {
      return Optional.of(server);
    }
    server.close();
    return Optional.empty();
  }

  public int port() {
    return port;
  }

  /** The URL cachegate's {@code CACHE_REDIS_URL} takes. */
  public String url() {
    return "redis://127.0.0.1:" + port + "/0";
  }

  /** A {@link RedisStore} on this server: 2 s command timeout, on a clock nobody advances. */
  public RedisStore store() {
    return new RedisStore(config(port), new ManualClock());
  }

  /** Like {@link #store()}, with one connection on each of {@code eventLoops}. */
  public RedisStore store(EventLoopGroup eventLoops) {
    return storeFor(port, eventLoops);
  }

  /**
   * Like {@link #store(EventLoopGroup)}, for a server that may not be running yet; it reads no
   * value larger than an entry of the default {@code CACHE_MAX_ENTRY_BYTES}, as cachegate does.
   */
  public static RedisStore storeFor(int port, EventLoopGroup eventLoops) {
    return new RedisStore(
        config(port),
        new ManualClock(),
        eventLoops,
        CacheMetrics.none(),
        CachePolicy.DEFAULT_MAX_ENTRY_BYTES);
  }

  private static RedisConfig config(int port) {
    return new RedisConfig(
        "127.0.0.1", port, 0, "", "", RedisConfig.Transport.PLAIN, Duration.ofSeconds(2));
  }

  /**
   * Commands on this server for the test's own checks and clean-up, on one connection opened on
   * first use and closed with the server.
   */
  public synchronized RedisCommands<String, String> sync() {
    if (connection == null) {
      client = RedisClient.create(url());
      connection = client.connect();
    }
    return connection.sync();
  }

  /**
   * Writes filler keys (no TTL) until this server, started with {@code --maxmemory} and {@code
   * --maxmemory-policy noeviction}, refuses writes ({@code OOM command not allowed}), then pushes
   * it about 512 KiB over its limit with a script (Redis checks the limit when a script starts, not
   * at each of its writes). Just at its limit, Redis accepts a write whenever a client buffer is
   * freed; that far over, it refuses every write until the test makes room.
   *
   * @return the filler keys left, all named {@code filler:*}
   */
  public int fillUntilFull() {
    RedisCommands<String, String> redis = sync();
    String filler = "x".repeat(4096);
    int small = 0;
    while (true) {
      String key = "filler:" + small;
      if (!isAccepted(() -> redis.set(key, filler))) {
        break;
      }
      if (++small > 100_000) {
        throw new IllegalStateException(
            "Redis on " + port + " never refused a write: no maxmemory?");
      }
    }
    int left = small;
    while (!isAccepted(() -> redis.eval(FILL, ScriptOutputType.INTEGER, new String[0], "128"))) {
      for (int i = 0; i < 8 && left > 0; i++) {
        redis.del("filler:" + --left);
      }
    }
    if (isAccepted(() -> redis.set("filler:check", "x"))) {
      throw new IllegalStateException("Redis on " + port + " is not full");
    }
    return left + 128;
  }

  private static final String FILL =
      "for i = 1, tonumber(ARGV[1]) do redis.call('set', 'filler:over:' .. i, string.rep('x',"
          + " 4096)) end return 1";

  /** Runs {@code write}: {@code false} if Redis refused it for lack of memory. */
  private static boolean isAccepted(Runnable write) {
    try {
      write.run();
      return true;
    } catch (RedisCommandExecutionException refused) {
      if (!String.valueOf(refused.getMessage()).startsWith("OOM")) {
        throw refused;
      }
      return false;
    }
  }

  public long pid() {
    return process.pid();
  }

  @Override
  public void close() {
    synchronized (this) {
      if (connection != null) {
        connection.close();
        client.shutdown();
        connection = null;
      }
    }
    process.destroy();
    try {
      if (!process.waitFor(5, java.util.concurrent.TimeUnit.SECONDS)) {
        process.destroyForcibly().waitFor();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    try {
      Files.deleteIfExists(log);
    } catch (IOException ignored) {
      // a leftover log file in the temp folder is harmless
    }
  }

  private boolean awaitListening() {
    long deadline = System.nanoTime() + 10_000_000_000L;
    while (System.nanoTime() < deadline && process.isAlive()) {
      try (Socket socket = new Socket()) {
        socket.connect(new InetSocketAddress("127.0.0.1", port), 200);
        socket.setSoTimeout(1_000);
        socket.getOutputStream().write("PING\r\n".getBytes(StandardCharsets.US_ASCII));
        byte[] reply = new byte[7];
        int read = socket.getInputStream().read(reply);
        String answer = read > 0 ? new String(reply, 0, read, StandardCharsets.US_ASCII) : "";
        if (answer.startsWith("+PONG") || answer.startsWith("-NOAUTH")) {
          return true;
        }
      } catch (IOException notYet) {
        // not listening yet
      }
      try {
        Thread.sleep(20);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return false;
      }
    }
    return false;
  }

  /** {@code redis-server} from PATH, else the matching binary extracted from embedded-redis. */
  public static Path binary() {
    Optional<Path> onPath =
        Stream.of(System.getenv().getOrDefault("PATH", "").split(java.io.File.pathSeparator))
            .map(dir -> Path.of(dir, "redis-server"))
            .filter(Files::isExecutable)
            .findFirst();
    return onPath.orElseGet(RedisServer::extractFromJar);
  }

  private static Path extractFromJar() {
    String os = System.getProperty("os.name").toLowerCase(Locale.ROOT);
    String arch = System.getProperty("os.arch").toLowerCase(Locale.ROOT);
    boolean arm = arch.contains("aarch64") || arch.contains("arm64");
    String name =
        os.contains("mac")
            ? (arm ? JAR_BINARY_DARWIN_ARM64 : JAR_BINARY_DARWIN_AMD64)
            : (arm ? JAR_BINARY_LINUX_ARM64 : JAR_BINARY_LINUX_AMD64);
    try (InputStream in = RedisServer.class.getResourceAsStream("/" + name)) {
      if (in == null) {
        throw new IllegalStateException(
            "no redis-server on PATH and no " + name + " in the embedded-redis jar");
      }
      Path target = Path.of(System.getProperty("java.io.tmpdir"), "cachegate-" + name);
      Path partial = Files.createTempFile("cachegate-redis-", ".partial");
      Files.copy(in, partial, StandardCopyOption.REPLACE_EXISTING);
      partial.toFile().setExecutable(true);
      Files.move(
          partial, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
      return target;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot extract " + name, e);
    }
  }

  private static int freePort() {
    try (ServerSocket socket = new ServerSocket(0)) {
      socket.setReuseAddress(true);
      return socket.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
