package cachegate.soak;

import cachegate.support.SlowConnections;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.stream.Collectors;

/**
 * What the hostile faults ({@link HostileFaults}) sent and what came back: for the large answers,
 * requests by fault, answers that arrived whole by {@code Cache-Status} detail, failures and the
 * slowest; for the slowloris bursts, connections opened, closed by cachegate, and how long they
 * stayed open. Thread-safe.
 */
final class HostileTally {
  private static final int MAX_SAMPLES = 20;

  /** The answers of one fault. */
  private static final class Answers {
    final LongAdder sent = new LongAdder();
    final Map<String, LongAdder> whole = new ConcurrentHashMap<>();
    final LongAdder failed = new LongAdder();
    final AtomicLong slowestNanos = new AtomicLong();
  }

  private final Map<Fault, Answers> answers = new ConcurrentHashMap<>();
  private final Duration slowlorisLimit;
  private final AtomicInteger slowlorisBursts = new AtomicInteger();
  private final LongAdder slowlorisOpened = new LongAdder();
  private final LongAdder slowlorisClosed = new LongAdder();
  private final LongAdder slowlorisLeftOpen = new LongAdder();
  private final LongAdder slowlorisLate = new LongAdder();
  private final LongAdder setupFailures = new LongAdder();
  private final AtomicLong longestOpenNanos = new AtomicLong();
  private final AtomicLong shortestOpenNanos = new AtomicLong(Long.MAX_VALUE);
  private final AtomicInteger sampled = new AtomicInteger();
  private final ConcurrentLinkedQueue<String> samples = new ConcurrentLinkedQueue<>();

  /**
   * @param slowlorisLimit how long a slowloris connection may stay open: cachegate's header timeout
   *     and a second
   */
  HostileTally(Duration slowlorisLimit) {
    this.slowlorisLimit = slowlorisLimit;
  }

  Duration slowlorisLimit() {
    return slowlorisLimit;
  }

  void sent(Fault fault) {
    of(fault).sent.increment();
  }

  /** An answer that came whole and as expected, with its {@code Cache-Status} detail. */
  void whole(Fault fault, String detail, long nanos) {
    Answers of = of(fault);
    of.whole.computeIfAbsent(detail, any -> new LongAdder()).increment();
    of.slowestNanos.accumulateAndGet(nanos, Math::max);
  }

  void failed(Fault fault, String what) {
    of(fault).failed.increment();
    sample(fault.label() + ": " + what);
  }

  /** A fault whose traffic could not even start. */
  void couldNotStart(Fault fault, Exception e) {
    setupFailures.increment();
    sample(fault.label() + ": could not start: " + e);
  }

  /** A slowloris burst, after it was given its time: every connection closed, or not. */
  void slowloris(SlowConnections connections) {
    slowlorisBursts.incrementAndGet();
    slowlorisOpened.add(connections.count());
    int open = connections.stillOpen();
    slowlorisLeftOpen.add(open);
    List<Optional<Duration>> lives = connections.closedAfter();
    long late = 0;
    for (Optional<Duration> life : lives) {
      if (life.isEmpty()) {
        continue;
      }
      long nanos = life.get().toNanos();
      slowlorisClosed.increment();
      longestOpenNanos.accumulateAndGet(nanos, Math::max);
      shortestOpenNanos.accumulateAndGet(nanos, Math::min);
      late += nanos > slowlorisLimit.toNanos() ? 1 : 0;
    }
    slowlorisLate.add(late);
    if (open > 0 || late > 0) {
      sample("slowloris: " + connections + "; " + late + " closed later than " + slowlorisLimit);
    }
  }

  /** Answers that did not come whole or as expected, connections not closed in time. */
  long failures() {
    long answerFailures = answers.values().stream().mapToLong(a -> a.failed.sum()).sum();
    return answerFailures + slowlorisLeftOpen.sum() + slowlorisLate.sum() + setupFailures.sum();
  }

  List<String> samples() {
    return List.copyOf(samples);
  }

  /** The report's row for the large answers of {@code fault}: what was sent, what came back. */
  String answers(Fault fault) {
    Answers of = answers.get(fault);
    if (of == null) {
      return "not injected";
    }
    long whole = of.whole.values().stream().mapToLong(LongAdder::sum).sum();
    String details =
        new TreeMap<>(of.whole)
            .entrySet().stream()
                .map(entry -> entry.getKey() + " " + count(entry.getValue().sum()))
                .collect(Collectors.joining(", "));
    return String.format(
        Locale.ROOT,
        "%s sent: %s 200 whole and unchanged (%s), %s not; slowest %.1f s to the last byte",
        count(of.sent.sum()),
        count(whole),
        details.isEmpty() ? "none" : "Cache-Status " + details,
        count(of.failed.sum()),
        of.slowestNanos.get() / 1e9);
  }

  /** The report's row for the slowloris bursts. */
  String slowloris() {
    if (slowlorisBursts.get() == 0) {
      return "not injected";
    }
    long shortest = shortestOpenNanos.get();
    return String.format(
        Locale.ROOT,
        "%s opened in %d %s: %s closed by cachegate, %s left open; open %s..%s"
            + " (at most %.1f s allowed), %s longer",
        count(slowlorisOpened.sum()),
        slowlorisBursts.get(),
        slowlorisBursts.get() == 1 ? "burst" : "bursts",
        count(slowlorisClosed.sum()),
        count(slowlorisLeftOpen.sum()),
        shortest == Long.MAX_VALUE ? "-" : seconds(shortest),
        slowlorisClosed.sum() == 0 ? "-" : seconds(longestOpenNanos.get()),
        slowlorisLimit.toMillis() / 1000.0,
        count(slowlorisLate.sum()));
  }

  /** Setup failures, as a row value, when there were any. */
  Optional<String> setup() {
    return setupFailures.sum() == 0
        ? Optional.empty()
        : Optional.of(count(setupFailures.sum()) + " hostile faults could not start");
  }

  private Answers of(Fault fault) {
    return answers.computeIfAbsent(fault, any -> new Answers());
  }

  private void sample(String text) {
    if (sampled.incrementAndGet() <= MAX_SAMPLES) {
      samples.add(text);
    }
  }

  private static String count(long n) {
    return String.format(Locale.ROOT, "%,d", n);
  }

  private static String seconds(long nanos) {
    return String.format(Locale.ROOT, "%.2f s", nanos / 1e9);
  }
}
