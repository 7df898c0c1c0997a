package cachegate.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The real entry point, as a process: a bad variable stops it with one clear line. */
class ConfigErrorIT {
  @TempDir Path workingDir;

  @Test
  void badValueRefusesToStartWithOneLineNamingVariableAndValue() throws Exception {
    Result result = run("PORT", "fivethousand");

    assertThat(result.exitCode()).isEqualTo(2);
    assertThat(result.stderr().lines())
        .containsExactly("cachegate: cannot start: PORT must be an integer, was 'fivethousand'");
  }

  @Test
  void badValueInDotEnvIsReportedTheSameWay() throws Exception {
    Files.writeString(
        workingDir.resolve(".env"), "# tutorial settings\nCACHE_TYPE=FileSystemCache\n");

    Result result = run("CACHEGATE_UNUSED", "x");

    assertThat(result.exitCode()).isEqualTo(2);
    assertThat(result.stderr()).contains("CACHE_TYPE").contains("'FileSystemCache'");
  }

  @Test
  void aBadRoutesFileRefusesToStartNamingTheFileTheLineAndTheProblem() throws Exception {
    Path routes = workingDir.resolve("routes.yml");
    Files.writeString(
        routes,
        "routes:\n  - name: things\n    path: /things\n    upstream: http://127.0.0.1:9/t\n"
            + "    tll: 30\n");

    Result result = run("CACHEGATE_ROUTES", routes.toString());

    assertThat(result.exitCode()).isEqualTo(2);
    assertThat(result.stderr().lines())
        .containsExactly(
            "cachegate: cannot start: "
                + routes
                + " line 5: route 'things': unknown field 'tll'; known: cacheStatuses,"
                + " forwardHeaders, maxEntryBytes, maxTtl, name, params, path, requireOneOf,"
                + " staleIfError, staleWhileRevalidate, ttl, ttlFrom, unknownParams, upstream,"
                + " upstreamConcurrency, upstreamEncoding, upstreamHeaders, upstreamKeepAlive,"
                + " upstreamPrivate, upstreamQuery, upstreamQueue, upstreamRateLimit,"
                + " upstreamTimeout, upstreamTlsCa, varyHeaders");
  }

  @Test
  void aMissingVariableForAnUpstreamKeyRefusesToStartWithOneLineNamingIt() throws Exception {
    Path routes = workingDir.resolve("routes.yml");
    Files.writeString(
        routes,
        "routes:\n  - name: things\n    path: /things\n    upstream: http://127.0.0.1:9/t\n"
            + "    params: {q: {}}\n    upstreamHeaders:\n"
            + "      Authorization: 'Bearer ${env:CACHEGATE_TEST_UNSET_TOKEN}'\n");

    Result result = run("CACHEGATE_ROUTES", routes.toString());

    assertThat(result.exitCode()).isEqualTo(2);
    assertThat(result.stderr().lines())
        .containsExactly(
            "cachegate: cannot start: "
                + routes
                + " line 7: route 'things': upstreamHeaders 'Authorization': environment variable"
                + " CACHEGATE_TEST_UNSET_TOKEN is not set");
  }

  @Test
  void aPortInUseRefusesToStartWithOneLineNamingThePortAndExits() throws Exception {
    try (ServerSocket taken = new ServerSocket()) {
      taken.setReuseAddress(false);
      taken.bind(new InetSocketAddress("0.0.0.0", 0));
      int port = taken.getLocalPort();

      Result result = run("PORT", String.valueOf(port));

      assertThat(result.exitCode()).isEqualTo(2);
      assertThat(result.stderr().lines())
          .containsExactly(
              "cachegate: cannot start: port "
                  + port
                  + " (PORT) is already in use: stop what listens there or set PORT to a free"
                  + " port");
    }
  }

  private record Result(int exitCode, String stderr) {}

  private Result run(String name, String value) throws IOException, InterruptedException {
    ProcessBuilder builder =
        new ProcessBuilder(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp",
                System.getProperty("java.class.path"),
                "cachegate.CacheGateApp")
            .directory(workingDir.toFile());
    builder.environment().keySet().removeIf(key -> key.startsWith("CACHE_") || key.equals("PORT"));
    builder.environment().put(name, value);
    Process process = builder.start();
    boolean exited = process.waitFor(30, TimeUnit.SECONDS);
    if (!exited) {
      process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
    }
    assertThat(exited).as("process exits").isTrue();
    return new Result(
        process.exitValue(),
        new String(process.getErrorStream().readAllBytes(), StandardCharsets.UTF_8));
  }
}
