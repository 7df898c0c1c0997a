package cachegate.soak;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.LongAdder;

/**
 * What the soak's clients saw: answers by status and verdict, {@code X-Cache} of the 200s, client
 * timeouts and I/O errors, answers with a wrong body, latencies, and for everything that was not
 * simply expected, in which phase of the fault cycle it happened. Thread-safe; latencies are handed
 * in by each client loop when it ends.
 */
final class SoakTally {
  private static final int MAX_SAMPLES = 20;

  /** How an answer's status is judged. */
  enum Verdict {
    /** 200 for a valid query, 400 for an invalid one. */
    EXPECTED,
    /** 502/503/504 while the upstream fails, for a key Redis held no entry for. */
    UPSTREAM_ERROR_NOTHING_STALE,
    /** 503 with {@code Retry-After} from the rate-budgeted route: its budget was spent. */
    BUDGET_SPENT,
    /** Anything else. */
    UNEXPECTED
  }

  /**
   * One kind of answer.
   *
   * @param status its HTTP status
   * @param verdict how it was judged
   */
  record Outcome(int status, Verdict verdict) implements Comparable<Outcome> {
    @Override
    public int compareTo(Outcome other) {
      return status != other.status
          ? Integer.compare(status, other.status)
          : verdict.compareTo(other.verdict);
    }
  }

  private final Map<Outcome, LongAdder> answers = new ConcurrentHashMap<>();
  private final Map<String, LongAdder> xCache = new ConcurrentHashMap<>();
  private final Map<String, LongAdder> notable = new ConcurrentHashMap<>();
  private final LongAdder timeouts = new LongAdder();
  private final LongAdder ioErrors = new LongAdder();
  private final LongAdder wrongBodies = new LongAdder();
  private final AtomicInteger sampled = new AtomicInteger();
  private final ConcurrentLinkedQueue<String> samples = new ConcurrentLinkedQueue<>();
  private final List<long[]> latencies = Collections.synchronizedList(new ArrayList<>());
  private final long startNanos;
  private final AtomicLongArray answersPerSecond;

  /**
   * @param startNanos the start of the run, as {@link System#nanoTime()}
   * @param seconds how long the run may last, answers after it not counted per second
   */
  SoakTally(long startNanos, int seconds) {
    this.startNanos = startNanos;
    this.answersPerSecond = new AtomicLongArray(seconds);
  }

  void answered(int status, Verdict verdict, String phase, SoakQuery query) {
    int second = (int) ((System.nanoTime() - startNanos) / 1_000_000_000L);
    if (second < answersPerSecond.length()) {
      answersPerSecond.incrementAndGet(second);
    }
    count(answers, new Outcome(status, verdict));
    if (verdict == Verdict.UPSTREAM_ERROR_NOTHING_STALE) {
      count(notable, phase + ": " + status + ", upstream failing, nothing stale");
    } else if (verdict == Verdict.UNEXPECTED) {
      count(notable, phase + ": " + status + " unexpected, " + query);
    }
  }

  void servedWith(String xCacheValue) {
    count(xCache, xCacheValue);
  }

  void wrongBody(String phase, SoakQuery query) {
    wrongBodies.increment();
    count(notable, phase + ": 200 with a wrong body, " + query);
  }

  void timedOut(String phase, SoakQuery query) {
    timeouts.increment();
    count(notable, phase + ": client timeout, " + query);
  }

  void failed(String phase, SoakQuery query, String error) {
    ioErrors.increment();
    count(notable, phase + ": I/O error " + error + ", " + query);
  }

  /** Keeps {@code text} as an example of something unexpected, up to {@value #MAX_SAMPLES}. */
  void sample(String text) {
    if (sampled.incrementAndGet() <= MAX_SAMPLES) {
      samples.add(text);
    }
  }

  void latencies(long[] nanos, int count) {
    latencies.add(Arrays.copyOf(nanos, count));
  }

  Map<Outcome, Long> answers() {
    return sorted(answers);
  }

  Map<String, Long> xCache() {
    return sorted(xCache);
  }

  /** Counts of everything but expected answers, by phase. */
  Map<String, Long> notable() {
    return sorted(notable);
  }

  List<String> samples() {
    return List.copyOf(samples);
  }

  long timeouts() {
    return timeouts.sum();
  }

  long ioErrors() {
    return ioErrors.sum();
  }

  long wrongBodies() {
    return wrongBodies.sum();
  }

  long requests() {
    return answers.values().stream().mapToLong(LongAdder::sum).sum() + timeouts() + ioErrors();
  }

  /** Unexpected statuses, wrong bodies, client timeouts and I/O errors. */
  long unexpected() {
    long statuses =
        answers.entrySet().stream()
            .filter(entry -> entry.getKey().verdict() == Verdict.UNEXPECTED)
            .mapToLong(entry -> entry.getValue().sum())
            .sum();
    return statuses + wrongBodies() + timeouts() + ioErrors();
  }

  /**
   * The longest run of whole seconds, up to {@code seconds} into the run, in which no answer came.
   *
   * @param from the first of those seconds, counted from the start
   * @param length how many seconds
   */
  record Stall(int from, int length) {}

  Stall longestStall(int seconds) {
    Stall longest = new Stall(0, 0);
    int from = 0;
    for (int second = 0; second <= Math.min(seconds, answersPerSecond.length()); second++) {
      boolean silent = second < seconds && answersPerSecond.get(second) == 0;
      if (!silent) {
        if (second - from > longest.length()) {
          longest = new Stall(from, second - from);
        }
        from = second + 1;
      }
    }
    return longest;
  }

  /** Latencies of answered requests, sorted, in nanoseconds. */
  long[] sortedLatencies() {
    synchronized (latencies) {
      long[] all = latencies.stream().flatMapToLong(Arrays::stream).toArray();
      Arrays.sort(all);
      return all;
    }
  }

  private static <K> void count(Map<K, LongAdder> counts, K key) {
    counts.computeIfAbsent(key, k -> new LongAdder()).increment();
  }

  private static <K extends Comparable<K>> Map<K, Long> sorted(Map<K, LongAdder> counts) {
    Map<K, Long> copy = new TreeMap<>();
    counts.forEach((key, count) -> copy.put(key, count.sum()));
    return copy;
  }
}
