package cachegate.soak;

import java.util.List;
import java.util.Locale;

/**
 * What the {@link FaultInjector} does during one slot: break a dependency (Redis, the universities
 * upstream) or send hostile traffic of its own ({@link HostileFaults}) beside the soak's clients.
 */
enum Fault {
  QUIET("quiet", "nothing", false),
  REDIS_KILL("redis SIGKILL", "redis SIGKILL, restart on the same port 5 s later", false),
  REDIS_STOP("redis SIGSTOP", "redis SIGSTOP for 5 s, then SIGCONT", false),
  UPSTREAM_SLOW("upstream slow", "upstream answers in 3 s for 5 s", false),
  UPSTREAM_503("upstream 503", "upstream answers 503 for 5 s", true),
  UPSTREAM_GARBAGE("upstream garbage", "upstream answers 200 with garbage for 5 s", true),
  TOO_LARGE(
      "too-large answers",
      String.format(
          Locale.ROOT,
          "%d clients ask for %,d-byte answers (over maxEntryBytes) for 5 s",
          HostileFaults.TOO_LARGE_CLIENTS,
          HostileFaults.TOO_LARGE_BYTES),
      false),
  LARGE_BURST(
      "large-answer burst",
      String.format(
          Locale.ROOT,
          "%d concurrent requests for distinct %,d-byte answers",
          HostileFaults.BURST_REQUESTS,
          HostileFaults.LARGE_BYTES),
      false),
  SLOWLORIS(
      "slowloris burst",
      String.format(
          Locale.ROOT,
          "%,d connections that never finish their headers",
          HostileFaults.SLOWLORIS_CONNECTIONS),
      false);

  /** The order of the slots, the first of them (quiet) the warm-up; then again. */
  static final List<Fault> CYCLE =
      List.of(
          QUIET,
          REDIS_KILL,
          REDIS_STOP,
          UPSTREAM_SLOW,
          UPSTREAM_503,
          UPSTREAM_GARBAGE,
          TOO_LARGE,
          LARGE_BURST,
          SLOWLORIS);

  private final String label;
  private final String description;
  private final boolean upstreamFails;

  Fault(String label, String description, boolean upstreamFails) {
    this.label = label;
    this.description = description;
    this.upstreamFails = upstreamFails;
  }

  String label() {
    return label;
  }

  String description() {
    return description;
  }

  /** Whether the universities upstream gives no usable answer during this fault. */
  boolean upstreamFails() {
    return upstreamFails;
  }
}
