package cachegate.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import cachegate.engine.ManualClock;
import cachegate.support.GatewayUnderTest;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * The monitoring shipped in {@code deploy/}: the Prometheus alert rules pass {@code promtool}'s
 * check and their own unit tests, {@code promtool check metrics} finds nothing wrong with
 * cachegate's series on a live {@code /metrics}, and every series the rules and the Grafana
 * dashboard query is one cachegate serves. Needs {@code promtool} (Debian's {@code prometheus}
 * package, which {@code .ci/install-test-deps} installs); skipped without it.
 */
class MonitoringIT extends RedisAndUpstream {
  private static final Path ALERTS = Path.of("deploy", "prometheus", "alerts.yml");
  private static final Path ALERT_TESTS = Path.of("deploy", "prometheus", "alerts-test.yml");
  private static final Path DASHBOARD = Path.of("deploy", "grafana", "cachegate-dashboard.json");

  /** A metric name in a PromQL expression: a word followed by a selector, a range or a paren. */
  private static final Pattern SERIES =
      Pattern.compile("\\b((?:cachegate|jvm|process|system)_[a-z_]+)\\b");

  private final ManualClock clock = new ManualClock();

  @Test
  void alertRulesPassPromtoolsCheckAndTheirUnitTests() {
    assertThat(promtool("check", "rules", ALERTS.toString())).contains("SUCCESS: 4 rules found");
    assertThat(promtool("test", "rules", ALERT_TESTS.toString())).contains("SUCCESS");
  }

  @Test
  void promtoolFindsNothingWrongWithCachegatesOwnSeries() {
    List<String> findings = new ArrayList<>();
    for (String scrape : exercisedScrapes()) {
      findings.addAll(promtoolOn(scrape, "check", "metrics"));
    }

    assertThat(findings).noneMatch(finding -> finding.startsWith("cachegate_"));
  }

  @Test
  void everySeriesTheAlertsAndTheDashboardQueryIsServed() throws IOException {
    Set<String> served = new TreeSet<>();
    for (String scrape : exercisedScrapes()) {
      served.addAll(seriesNames(scrape));
    }
    Set<String> queried = new TreeSet<>();
    queried.addAll(queriedSeries(Files.readString(ALERTS)));
    for (Object panel : new JsonObject(Files.readString(DASHBOARD)).getJsonArray("panels")) {
      for (Object target : ((JsonObject) panel).getJsonArray("targets")) {
        queried.addAll(queriedSeries(((JsonObject) target).getString("expr")));
      }
    }

    assertThat(queried).hasSizeGreaterThan(10);
    assertThat(served).containsAll(queried);
  }

  @Test
  void circuitGaugeIsOneWhileTheUpstreamBreakerIsOpen() {
    GatewayUnderTest gateway = gateway(clock);
    String closed = "cachegate_circuit_open{dependency=\"upstream\",route=\"universities\"} 0.0";
    assertThat(gateway.get("/metrics").body()).contains(closed);

    upstream.failWith(500);
    for (int i = 0; i < 5; i++) {
      gateway.get("/universities?country=Nowhere" + i);
    }

    assertThat(gateway.get("/metrics").body())
        .contains("cachegate_circuit_open{dependency=\"upstream\",route=\"universities\"} 1.0")
        .contains("cachegate_circuit_open{dependency=\"redis\",route=\"\"} 0.0");
  }

  /**
   * Scrapes of two instances that between them made every series appear: hits, misses, invalid
   * requests, a limit, an upstream 404 and upstream failures (one instance), and Redis failures
   * (the other, whose Redis is not there).
   */
  private List<String> exercisedScrapes() {
    GatewayUnderTest working = gateway(clock);
    working.get("/universities?country=Germany");
    working.get("/universities?country=Germany");
    working.get("/universities?country=");
    working.get("/universities?country=" + "x".repeat(9_000));
    redis.configSet("maxmemory-policy", "noeviction");
    redis.configSet("maxmemory", "1");
    try {
      working.get("/universities?country=Japan");
      await().until(() -> working.get("/metrics").body().contains("writes_refused_total{"));
    } finally {
      redis.configSet("maxmemory", "0");
    }
    upstream.failWith(404);
    working.get("/universities?country=Atlantis");
    upstream.failWith(500);
    working.get("/universities?country=Chile");

    GatewayUnderTest withoutRedis =
        gateway(
            clock, Map.of("CACHE_REDIS_URL", "redis://127.0.0.1:1", "CACHE_REDIS_TIMEOUT", "1s"));
    withoutRedis.get("/universities?country=Peru");
    return List.of(working.get("/metrics").body(), withoutRedis.get("/metrics").body());
  }

  /** The metric names of a scrape, as queries name them (histograms by each of their series). */
  private static Set<String> seriesNames(String scrape) {
    return scrape
        .lines()
        .filter(line -> !line.isBlank() && !line.startsWith("#"))
        .map(line -> line.split("[{ ]", 2)[0])
        .collect(Collectors.toSet());
  }

  private static Set<String> queriedSeries(String promql) {
    Set<String> names = new TreeSet<>();
    Matcher matcher = SERIES.matcher(promql);
    while (matcher.find()) {
      names.add(matcher.group(1));
    }
    return names;
  }

  private static String promtool(String... arguments) {
    return String.join("\n", promtoolOn("", arguments));
  }

  /** Runs promtool with {@code input} on its standard input; its output, line by line. */
  private static List<String> promtoolOn(String input, String... arguments) {
    assumeTrue(
        Files.isExecutable(Path.of("/usr/bin/promtool")),
        "promtool is not installed (apt-get install prometheus)");
    List<String> command = new ArrayList<>(List.of("/usr/bin/promtool"));
    command.addAll(List.of(arguments));
    try {
      Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
      try (var stdin = process.getOutputStream()) {
        stdin.write(input.getBytes(StandardCharsets.UTF_8));
      }
      String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      assertThat(process.waitFor(30, TimeUnit.SECONDS)).isTrue();
      return output.lines().toList();
    } catch (IOException e) {
      throw new AssertionError("cannot run " + command, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError("interrupted running " + command, e);
    }
  }
}
