package cachegate.support;

import cachegate.config.ConfigLoader;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * cachegate's jar running as a separate process, launched as the README launches it: {@code
 * bin/cachegate} (the JVM flags of {@code jvm.options} and the class-data archive), with this JVM
 * as {@code JAVA_HOME}, only the given cachegate variables (any inherited from the caller's
 * environment, and {@code JAVA_OPTS}, are removed), in a working directory without a {@code .env},
 * its output in a log file.
 */
public final class LaunchedGateway implements AutoCloseable {
  /** The README's launcher. */
  private static final Path LAUNCHER = Path.of("bin", "cachegate");

  /** The jar the build makes; the integration tests run after it is packaged. */
  public static final Path JAR = Path.of("target", "cachegate.jar");

  private static final Set<String> CACHEGATE_VARIABLES =
      ConfigLoader.VARIABLES.stream()
          .map(ConfigLoader.Variable::name)
          .collect(Collectors.toUnmodifiableSet());

  private final Process process;
  private final int port;
  private final Path log;

  private LaunchedGateway(Process process, int port, Path log) {
    this.process = process;
    this.port = port;
    this.log = log;
  }

  /** Starts the build's jar; see {@link #start(Path, Map, Path)}. */
  public static LaunchedGateway start(Map<String, String> variables, Path directory) {
    return start(JAR, variables, directory);
  }

  /**
   * Starts {@code jar} with {@code variables} (which must include {@code PORT}) in {@code
   * directory}, writing its output to {@code directory/cachegate.log}.
   */
  public static LaunchedGateway start(Path jar, Map<String, String> variables, Path directory) {
    List<String> command = List.of(LAUNCHER.toAbsolutePath().toString());
    try {
      Files.createDirectories(directory);
      Path log = directory.resolve("cachegate.log");
      ProcessBuilder builder =
          new ProcessBuilder(command)
              .directory(directory.toFile())
              .redirectErrorStream(true)
              .redirectOutput(log.toFile());
      builder.environment().keySet().removeIf(CACHEGATE_VARIABLES::contains);
      builder.environment().remove("JAVA_OPTS");
      builder.environment().put("JAVA_HOME", System.getProperty("java.home"));
      builder.environment().put("CACHEGATE_JAR", jar.toAbsolutePath().toString());
      builder.environment().putAll(variables);
      return new LaunchedGateway(
          builder.start(), Integer.parseInt(variables.get("PORT")), log.toAbsolutePath());
    } catch (IOException e) {
      throw new UncheckedIOException("cannot start " + command, e);
    }
  }

  public URI uri(String pathAndQuery) {
    return URI.create("http://127.0.0.1:" + port + pathAndQuery);
  }

  /** The port it listens on. */
  public int port() {
    return port;
  }

  /** Whether the process is still running. */
  public boolean isAlive() {
    return process.isAlive();
  }

  public long pid() {
    return process.pid();
  }

  public Path log() {
    return log;
  }

  /** Waits until {@code /health} says {@code UP}; fails when the process exits or time runs out. */
  public void awaitUp(HttpClient http, Duration atMost) throws InterruptedException {
    long deadline = System.nanoTime() + atMost.toNanos();
    String last = "no answer";
    while (System.nanoTime() - deadline < 0) {
      if (!process.isAlive()) {
        throw new IllegalStateException(
            "cachegate exited with " + process.exitValue() + " before it was up; see " + log);
      }
      try {
        HttpResponse<String> health =
            http.send(
                HttpRequest.newBuilder(uri("/health")).timeout(Duration.ofSeconds(2)).build(),
                HttpResponse.BodyHandlers.ofString());
        last = health.statusCode() + " " + health.body();
        if (health.statusCode() == 200 && health.body().contains("\"status\":\"UP\"")) {
          return;
        }
      } catch (IOException notYet) {
        last = notYet.toString();
      }
      Thread.sleep(200);
    }
    throw new IllegalStateException(
        "cachegate not UP after " + atMost + ", last /health: " + last + "; see " + log);
  }

  /**
   * Resident memory of the process from {@code /proc/<pid>/status}.
   *
   * @param rssKib {@code VmRSS} now
   * @param peakKib {@code VmHWM}, the highest resident size so far
   */
  public record Memory(long rssKib, long peakKib) {}

  /** The process's memory now, where {@code /proc} exists. */
  public Optional<Memory> memory() {
    try {
      List<String> lines = Files.readAllLines(Path.of("/proc", String.valueOf(pid()), "status"));
      List<Long> values = new ArrayList<>();
      for (String name : List.of("VmRSS:", "VmHWM:")) {
        lines.stream()
            .filter(line -> line.startsWith(name))
            .findFirst()
            .map(line -> Long.parseLong(line.replaceAll("[^0-9]", "")))
            .ifPresent(values::add);
      }
      return values.size() == 2
          ? Optional.of(new Memory(values.get(0), values.get(1)))
          : Optional.empty();
    } catch (IOException noProc) {
      return Optional.empty();
    }
  }

  /** Asks the process to stop (its shutdown hook closes cachegate), then kills it after 15 s. */
  @Override
  public void close() {
    process.destroy();
    try {
      if (!process.waitFor(15, TimeUnit.SECONDS)) {
        process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      process.destroyForcibly();
      Thread.currentThread().interrupt();
    }
  }
}
