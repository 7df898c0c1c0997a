package cachegate.soak;

import cachegate.soak.SoakTally.Outcome;
import cachegate.support.LaunchedGateway;
import java.time.Duration;
import java.util.Arrays;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * The soak's result as one Markdown table, and the details below it: everything that was not simply
 * expected, by phase of the fault cycle, and examples of anything unexpected.
 *
 * @param length how long the clients sent requests
 * @param lastAnswer how long until the last request ended (later than {@code length} when requests
 *     were still waiting at the end)
 * @param clients how many client loops ran
 * @param keys how many queries the mix has, {@code invalidKeys} of them invalid
 * @param injected how many times each fault was injected
 * @param upstreamRequests requests the fake universities API received during the whole run
 * @param hostileUpstreamRequests requests the hostile faults' upstream received
 * @param hostile what the hostile faults sent and what came back
 * @param metrics cachegate's limits and gauges from {@code /metrics} at the end, or why not
 * @param memory cachegate's resident memory at the end, where {@code /proc} exists
 */
record SoakReport(
    Duration length,
    Duration lastAnswer,
    int clients,
    int keys,
    int invalidKeys,
    SoakTally tally,
    Map<Fault, Integer> injected,
    int upstreamRequests,
    int hostileUpstreamRequests,
    HostileTally hostile,
    Optional<GatewayMetrics> metrics,
    Optional<LaunchedGateway.Memory> memory) {

  SoakReport {
    injected = Map.copyOf(injected);
  }

  /** Whether every answer of the soak's clients and of the hostile faults was as expected. */
  boolean passed() {
    return tally.unexpected() == 0 && hostile.failures() == 0;
  }

  /** The table, then the details. */
  String render() {
    StringBuilder out = new StringBuilder();
    double seconds = lastAnswer.toMillis() / 1000.0;
    long requests = tally.requests();
    long[] latencies = tally.sortedLatencies();
    out.append("| Measure | Value |\n|---|---|\n");
    row(
        out,
        "Duration",
        String.format(
            Locale.ROOT,
            "%.1f min: %d clients sent requests for %.1f s, the last request ended at %.1f s;"
                + " %d keys (%d invalid)",
            length.toMillis() / 60_000.0,
            clients,
            length.toMillis() / 1000.0,
            seconds,
            keys,
            invalidKeys));
    row(out, "Requests", count(requests));
    row(out, "Requests/s", count(Math.round(requests / seconds)));
    tally.answers().forEach((outcome, n) -> row(out, label(outcome), count(n)));
    row(out, "Client timeouts (no byte of an answer for 10 s)", count(tally.timeouts()));
    row(out, "Client I/O errors", count(tally.ioErrors()));
    row(out, "200 with a wrong body", count(tally.wrongBodies()));
    row(
        out,
        "200s by `X-Cache`",
        tally.xCache().entrySet().stream()
            .map(entry -> entry.getKey() + " " + count(entry.getValue()))
            .collect(Collectors.joining(", ")));
    row(
        out,
        "Latency p50 / p99 / max",
        "%s / %s / %s"
            .formatted(
                millis(percentile(latencies, 0.50)),
                millis(percentile(latencies, 0.99)),
                millis(latencies.length == 0 ? 0 : latencies[latencies.length - 1])));
    SoakTally.Stall stall = tally.longestStall((int) Math.ceil(seconds));
    row(
        out,
        "Longest stretch with no answer",
        stall.length() == 0
            ? "none (an answer every second)"
            : String.format(Locale.ROOT, "%d s (from +%d s)", stall.length(), stall.from()));
    row(out, "Faults injected", faults());
    row(
        out,
        String.format(
            Locale.ROOT,
            "Too-large answers (%,d B, over maxEntryBytes)",
            HostileFaults.TOO_LARGE_BYTES),
        hostile.answers(Fault.TOO_LARGE));
    row(
        out,
        String.format(
            Locale.ROOT,
            "Large-answer bursts (%d × %,d B, distinct keys)",
            HostileFaults.BURST_REQUESTS,
            HostileFaults.LARGE_BYTES),
        hostile.answers(Fault.LARGE_BURST));
    row(
        out,
        "Slowloris connections (a header line every "
            + HostileFaults.SLOWLORIS_LINE_EVERY.toSeconds()
            + " s, never the blank line)",
        hostile.slowloris());
    hostile.setup().ifPresent(failed -> row(out, "Hostile faults not started", failed));
    row(
        out,
        "Upstream requests made",
        count(upstreamRequests)
            + " to the universities API, "
            + count(hostileUpstreamRequests)
            + " to the large answers' upstream");
    row(
        out,
        "Limits reached (`cachegate_limits_reached_total` at the end, by limit)",
        metrics.map(GatewayMetrics::describeLimits).orElse("n/a: /metrics did not answer"));
    row(
        out,
        "Held at the end (`/metrics`, " + Soak.SETTLE.toSeconds() + " s after the last request)",
        metrics.map(GatewayMetrics::describeGauges).orElse("n/a"));
    row(out, "cachegate RSS at the end (VmRSS)", memory.map(m -> mib(m.rssKib())).orElse("n/a"));
    row(out, "cachegate peak RSS (VmHWM)", memory.map(m -> mib(m.peakKib())).orElse("n/a"));
    row(
        out,
        "Result",
        passed()
            ? "PASS: no unexpected answer"
            : "FAIL: "
                + count(tally.unexpected())
                + " unexpected (statuses, bodies, errors), "
                + count(hostile.failures())
                + " hostile-fault checks failed");
    out.append('\n');
    if (!tally.notable().isEmpty()) {
      out.append("Everything but 200 for valid and 400 for invalid queries, by phase:\n");
      tally
          .notable()
          .forEach((what, n) -> out.append("- ").append(what).append(": ").append(n).append('\n'));
    }
    if (!tally.samples().isEmpty()) {
      out.append("Examples of unexpected answers and errors:\n");
      tally.samples().forEach(sample -> out.append("- ").append(sample).append('\n'));
    }
    if (!hostile.samples().isEmpty()) {
      out.append("Examples of failed hostile-fault checks:\n");
      hostile.samples().forEach(sample -> out.append("- ").append(sample).append('\n'));
    }
    return out.toString();
  }

  private String faults() {
    int total = injected.values().stream().mapToInt(Integer::intValue).sum();
    String each =
        Arrays.stream(Fault.values())
            .filter(injected::containsKey)
            .map(fault -> injected.get(fault) + " × " + fault.description())
            .collect(Collectors.joining("; "));
    return total + (each.isEmpty() ? "" : ": " + each);
  }

  private static String label(Outcome outcome) {
    return switch (outcome.verdict()) {
      case EXPECTED -> "Status " + outcome.status() + (outcome.status() == 400 ? " (invalid)" : "");
      case UPSTREAM_ERROR_NOTHING_STALE ->
          "Status " + outcome.status() + ", upstream failing, nothing stale";
      case BUDGET_SPENT -> "Status " + outcome.status() + " with Retry-After, rate budget spent";
      case UNEXPECTED -> "Status " + outcome.status() + ", unexpected";
    };
  }

  private static long percentile(long[] sorted, double p) {
    if (sorted.length == 0) {
      return 0;
    }
    int rank = (int) Math.ceil(p * sorted.length);
    return sorted[Math.max(0, rank - 1)];
  }

  private static void row(StringBuilder out, String name, String value) {
    out.append("| ").append(name).append(" | ").append(value).append(" |\n");
  }

  private static String count(long n) {
    return String.format(Locale.ROOT, "%,d", n);
  }

  private static String millis(long nanos) {
    return String.format(Locale.ROOT, "%.1f ms", nanos / 1e6);
  }

  private static String mib(long kib) {
    return String.format(Locale.ROOT, "%.0f MiB", kib / 1024.0);
  }
}
