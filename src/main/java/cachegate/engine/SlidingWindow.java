package cachegate.engine;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Iterator;

/**
 * A sliding-window log of calls: the instant of every call made within the last period, so that a
 * call is allowed only while the window ending now holds fewer than the limit. Unlike a token
 * bucket, whose full bucket lets a whole limit through at once and then refills (up to twice the
 * limit in one calendar second), no window of the period's length ever holds more than the limit,
 * wherever it starts; unlike pacing, a burst is allowed while the window has room. A second limit
 * (the upstream's own policy) may be enforced beside the first over the same log.
 *
 * <p>The same rule runs in Redis as a script ({@code RedisRateBudget}); this is its in-process
 * form. Pure: the caller passes the instant in milliseconds. Not thread-safe: callers lock.
 */
final class SlidingWindow {
  private final ArrayDeque<Long> calls = new ArrayDeque<>();

  /**
   * Takes one call at {@code now} if more than {@code reserve} calls are left both of {@code
   * allowed} calls in {@code limit}'s period and of {@code policy} (unless it is {@link
   * RateLimit#NONE}), in the windows ending now.
   *
   * @return the grant: allowed with the calls left after this one, or refused with how long until
   *     enough calls have left the binding window
   */
  RateBudget.Grant take(long now, RateLimit limit, int allowed, RateLimit policy, int reserve) {
    long period = limit.period().toMillis();
    long kept = policy.isLimited() ? Math.max(period, policy.period().toMillis()) : period;
    while (!calls.isEmpty() && calls.peekFirst() <= now - kept) {
      calls.pollFirst();
    }
    int used = count(now - period);
    int left = allowed - used;
    if (policy.isLimited()) {
      int policyUsed = count(now - policy.period().toMillis());
      if (policy.calls() - policyUsed < left) {
        left = policy.calls() - policyUsed;
        used = policyUsed;
        period = policy.period().toMillis();
      }
    }
    if (left > reserve) {
      calls.addLast(now);
      return RateBudget.Grant.allowed(left - 1);
    }
    // Enough calls must leave the window for more than reserve to be left again.
    int mustLeave = Math.max(1, Math.min(used, reserve - left + 1));
    long leaves = nthIn(now - period, mustLeave) + period;
    return RateBudget.Grant.refused(
        Duration.ofMillis(Math.max(1, leaves - now)), Math.max(0, left), "rate-budget");
  }

  /** Calls after {@code since}. */
  private int count(long since) {
    int n = 0;
    for (Iterator<Long> newest = calls.descendingIterator(); newest.hasNext(); ) {
      if (newest.next() <= since) {
        break;
      }
      n++;
    }
    return n;
  }

  /** The instant of the {@code n}th oldest call after {@code since} (1-based), or of the newest. */
  private long nthIn(long since, int n) {
    int seen = 0;
    long at = since;
    for (long call : calls) {
      if (call <= since) {
        continue;
      }
      at = call;
      if (++seen >= n) {
        break;
      }
    }
    return at;
  }
}
