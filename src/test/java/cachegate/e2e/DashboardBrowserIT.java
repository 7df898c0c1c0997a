package cachegate.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import cachegate.support.GatewayUnderTest;
import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The operator dashboard at {@code /admin/} in a real headless Chromium, driven by {@code
 * src/test/browser/dashboard.spec.mjs} (Playwright) against cachegate on a real Redis. Skipped
 * where Chromium, Node.js or the spec's {@code node_modules} are missing; {@code
 * .ci/install-test-deps} installs them. With {@code CACHEGATE_DASHBOARD_SCREENSHOT=<path>}
 * (relative to the project folder) the spec also saves a screenshot of the dashboard there.
 */
class DashboardBrowserIT extends RedisAndUpstream {
  private static final Path CHROMIUM = Path.of("/usr/bin/chromium");
  private static final Path SPEC_FOLDER = Path.of("src", "test", "browser");
  private static final long SPEC_TIMEOUT_SECONDS = 90;

  @Test
  void operatorSignsInSeesTheCachedKeysAndPurgesOne() throws IOException, InterruptedException {
    Path node = requireBrowserTestTools();
    String token = token();
    GatewayUnderTest gateway =
        gateway(InstantSource.system(), Map.of("CACHEGATE_ADMIN_TOKEN", token));
    for (String country : List.of("Germany", "Germany", "France", "Japan")) {
      assertThat(gateway.get("/universities?country=" + country).statusCode()).isEqualTo(200);
    }

    SpecRun run = runSpec(node, gateway.uri("").toString(), token, "operate");

    assertThat(run.exitCode())
        .as("dashboard.spec.mjs exit code; its output:%n%s", run.output())
        .isZero();
  }

  @Test
  void keysStayReadableInANarrowWindowBreakingOnlyBetweenTheirParts()
      throws IOException, InterruptedException {
    Path node = requireBrowserTestTools();
    String token = token();
    GatewayUnderTest gateway =
        gateway(InstantSource.system(), Map.of("CACHEGATE_ADMIN_TOKEN", token));
    for (String country : List.of("Germany", "France", "Japan")) {
      assertThat(gateway.get("/universities?country=" + country).statusCode()).isEqualTo(200);
    }

    SpecRun run = runSpec(node, gateway.uri("").toString(), token, "narrow-keys");

    assertThat(run.exitCode())
        .as("dashboard.spec.mjs exit code; its output:%n%s", run.output())
        .isZero();
  }

  private static String token() {
    byte[] secret = new byte[16];
    new SecureRandom().nextBytes(secret);
    return HexFormat.of().formatHex(secret);
  }

  /** The {@code node} to run the spec with; skips the test when a tool it needs is missing. */
  private static Path requireBrowserTestTools() {
    assumeTrue(
        Files.isExecutable(CHROMIUM),
        "skipped: no Chromium at " + CHROMIUM + " (run .ci/install-test-deps)");
    Optional<Path> node = onPath("node");
    assumeTrue(node.isPresent(), "skipped: no node on PATH (install Node.js 20 or later)");
    assumeTrue(
        Files.isDirectory(SPEC_FOLDER.resolve(Path.of("node_modules", "playwright-core"))),
        "skipped: no "
            + SPEC_FOLDER.resolve("node_modules/playwright-core")
            + " (run npm ci --prefix "
            + SPEC_FOLDER
            + ")");
    return node.orElseThrow();
  }

  /**
   * Runs the spec's {@code scenario}; the {@code operate} scenario saves the screenshot that {@code
   * CACHEGATE_DASHBOARD_SCREENSHOT} asks for.
   */
  private static SpecRun runSpec(Path node, String baseUrl, String token, String scenario)
      throws IOException, InterruptedException {
    List<String> command =
        new ArrayList<>(
            List.of(node.toString(), "dashboard.spec.mjs", baseUrl, token, "--scenario", scenario));
    String screenshot = System.getenv("CACHEGATE_DASHBOARD_SCREENSHOT");
    if (scenario.equals("operate") && screenshot != null && !screenshot.isBlank()) {
      command.add("--screenshot");
      command.add(Path.of(screenshot).toAbsolutePath().toString());
    }
    Process process =
        new ProcessBuilder(command)
            .directory(SPEC_FOLDER.toFile())
            .redirectErrorStream(true)
            .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
            .start();
    StringBuffer output = new StringBuffer();
    Thread copier = new Thread(() -> copyLines(process, output), "dashboard-spec-output");
    copier.setDaemon(true);
    copier.start();
    if (!process.waitFor(SPEC_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
      process.descendants().forEach(ProcessHandle::destroyForcibly);
      process.destroyForcibly().waitFor();
      copier.join(5_000);
      output.append("(killed: no exit within ").append(SPEC_TIMEOUT_SECONDS).append(" s)\n");
      return new SpecRun(-1, output.toString());
    }
    copier.join(5_000);
    return new SpecRun(process.exitValue(), output.toString());
  }

  /** Passes the spec's output through to the test log as it comes, and keeps it for the report. */
  private static void copyLines(Process process, StringBuffer output) {
    try (BufferedReader reader =
        new BufferedReader(
            new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
      for (String line = reader.readLine(); line != null; line = reader.readLine()) {
        System.out.println(line);
        output.append(line).append('\n');
      }
    } catch (IOException e) {
      output.append("(output cut: ").append(e.getMessage()).append(")\n");
    }
  }

  private static Optional<Path> onPath(String program) {
    return Stream.of(System.getenv().getOrDefault("PATH", "").split(File.pathSeparator))
        .filter(dir -> !dir.isEmpty())
        .map(dir -> Path.of(dir, program))
        .filter(Files::isExecutable)
        .findFirst();
  }

  /**
   * How the spec ended.
   *
   * @param exitCode the process's exit code, -1 when it was killed for taking too long
   * @param output what it printed, stdout and stderr together
   */
  private record SpecRun(int exitCode, String output) {}
}
