package cachegate.soak;

import cachegate.soak.LargeAnswerClients.LargeRoute;
import cachegate.soak.LargeAnswerClients.Running;
import cachegate.support.SlowClients;
import cachegate.support.SlowConnections;
import java.net.URI;
import java.time.Duration;
import java.util.Optional;

/**
 * The soak's hostile faults: traffic of its own beside the soak's clients, against routes whose
 * upstream is a {@link cachegate.support.HostileUpstream} ({@link SoakRoutes}), and against
 * cachegate's client connections.
 *
 * <ul>
 *   <li>{@link Fault#TOO_LARGE}: {@value #TOO_LARGE_CLIENTS} clients ask {@link #HUGE} (answers of
 *       {@value #TOO_LARGE_BYTES} bytes, over the default maxEntryBytes of 5 MiB) until the fault
 *       ends; each answer must arrive whole and unchanged, {@code X-Cache: MISS}, {@code
 *       Cache-Status} detail {@code too-large} or {@code no-memory}.
 *   <li>{@link Fault#LARGE_BURST}: {@value #BURST_REQUESTS} requests at once for distinct keys of
 *       {@link #LARGE} (answers of {@value #LARGE_BYTES} bytes, within maxEntryBytes); each must be
 *       a 200 with the whole answer, stored or passed on for want of memory ({@code no-memory}).
 *   <li>{@link Fault#SLOWLORIS}: {@value #SLOWLORIS_CONNECTIONS} connections that send a header
 *       line every second and never the blank line that ends the head; cachegate must close each
 *       within its header timeout and a second.
 * </ul>
 *
 * The requests of a fault still going when it ends are waited for up to {@link #STRAGGLERS}, then
 * count as failed. Confined to the injector's thread.
 */
final class HostileFaults implements AutoCloseable {
  static final int TOO_LARGE_CLIENTS = 4;
  static final long TOO_LARGE_BYTES = 8_000_000;
  static final int BURST_REQUESTS = 32;
  static final long LARGE_BYTES = 4_194_304;
  static final int SLOWLORIS_CONNECTIONS = 1_500;
  static final Duration SLOWLORIS_LINE_EVERY = Duration.ofSeconds(1);
  static final Duration STRAGGLERS = Duration.ofSeconds(30);

  /** The route of answers too large to keep. */
  static final LargeRoute HUGE =
      new LargeRoute(
          "/huge", "/chunked/bytes=" + TOO_LARGE_BYTES + "/search", TOO_LARGE_BYTES, false);

  /** The route of large answers that may be kept. */
  static final LargeRoute LARGE =
      new LargeRoute("/large", "/chunked/bytes=" + LARGE_BYTES + "/search", LARGE_BYTES, true);

  /** How often a slowloris burst looks whether cachegate has closed every connection. */
  private static final Duration POLL = Duration.ofMillis(50);

  private final LargeAnswerClients answers;
  private final SlowClients slowClients;
  private final Duration headerTimeout;
  private final HostileTally tally;
  private Optional<Running> running = Optional.empty();
  private Optional<SlowConnections> slowloris = Optional.empty();
  private int bursts;

  /**
   * @param port cachegate's port on 127.0.0.1
   * @param headerTimeout cachegate's {@code CLIENT_HEADER_TIMEOUT}
   */
  HostileFaults(int port, Duration headerTimeout) {
    this.tally = new HostileTally(headerTimeout.plusSeconds(1));
    this.answers =
        new LargeAnswerClients(path -> URI.create("http://127.0.0.1:" + port + path), tally);
    this.slowClients = SlowClients.against("127.0.0.1", port);
    this.headerTimeout = headerTimeout;
  }

  HostileTally tally() {
    return tally;
  }

  /** Starts {@code fault}'s traffic, which the clients stop sending at {@code untilNanos}. */
  void begin(Fault fault, long untilNanos) {
    try {
      switch (fault) {
        case TOO_LARGE ->
            running = Optional.of(answers.loop(fault, HUGE, TOO_LARGE_CLIENTS, untilNanos));
        case LARGE_BURST ->
            running = Optional.of(answers.burst(fault, LARGE, BURST_REQUESTS, ++bursts));
        case SLOWLORIS ->
            slowloris =
                Optional.of(
                    slowClients.slowloris(
                        SLOWLORIS_CONNECTIONS,
                        "GET /universities?country=Chile HTTP/1.1",
                        SLOWLORIS_LINE_EVERY));
        default -> throw new IllegalArgumentException(fault + " is not a hostile fault");
      }
    } catch (RuntimeException e) {
      tally.couldNotStart(fault, e);
    }
  }

  /** Waits until {@code fault}'s traffic is over and checked; says what came of it. */
  String end(Fault fault) throws InterruptedException {
    if (fault == Fault.SLOWLORIS) {
      if (slowloris.isEmpty()) {
        return "slowloris could not start";
      }
      String result = endSlowloris(slowloris.get());
      slowloris = Optional.empty();
      return result;
    }
    if (running.isEmpty()) {
      return fault.label() + " could not start";
    }
    int unfinished = answers.await(running.get(), STRAGGLERS);
    running = Optional.empty();
    return fault.label()
        + " over: "
        + tally.answers(fault)
        + " (so far in the run)"
        + (unfinished > 0 ? "; " + unfinished + " requests interrupted" : "");
  }

  /**
   * Gives every connection until the header timeout and more after this moment to be closed (they
   * were all opened before it), then records them and closes what is left.
   */
  private String endSlowloris(SlowConnections connections) throws InterruptedException {
    long deadline = System.nanoTime() + headerTimeout.plusSeconds(5).toNanos();
    try {
      while (connections.stillOpen() > 0 && System.nanoTime() - deadline < 0) {
        Thread.sleep(POLL.toMillis());
      }
      tally.slowloris(connections);
      return "slowloris over: " + connections;
    } finally {
      connections.close();
    }
  }

  @Override
  public void close() {
    answers.close();
    slowClients.close();
  }
}
