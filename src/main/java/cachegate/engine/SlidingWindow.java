package cachegate.engine;

import java.time.Duration;
import java.util.ArrayDeque;

/**
 * A sliding-window log of calls: the instant of every call made within the last period, so that a
 * call is allowed only while the window ending now holds fewer than the limit. Unlike a token
 * bucket, whose full bucket lets a whole limit through at once and then refills (up to twice the
 * limit in one calendar second), no window of the period's length ever holds more than the limit,
 * wherever it starts; unlike pacing, a burst is allowed while the window has room.
 *
 * <p>The same rule runs in Redis as a script ({@code RedisRateBudget}); this is its in-process
 * form. Pure: the caller passes the instant in milliseconds. Not thread-safe: callers lock.
 */
final class SlidingWindow {
  private final ArrayDeque<Long> calls = new ArrayDeque<>();

  /**
   * Takes one call at {@code now} if more than {@code reserve} calls are left of {@code limit} in
   * the window ending now.
   *
   * @return the grant: allowed with the calls left after this one, or refused with how long until
   *     the oldest call leaves the window
   */
  RateBudget.Grant take(long now, RateLimit limit, int allowed, int reserve) {
    long period = limit.period().toMillis();
    while (!calls.isEmpty() && calls.peekFirst() <= now - period) {
      calls.pollFirst();
    }
    int left = allowed - calls.size();
    if (left > reserve) {
      calls.addLast(now);
      return RateBudget.Grant.allowed(left - 1);
    }
    // Enough calls must leave the window for more than reserve to be left again.
    int mustLeave = Math.min(calls.size(), reserve - left + 1);
    long leaves = nth(mustLeave) + period;
    return RateBudget.Grant.refused(
        Duration.ofMillis(Math.max(1, leaves - now)), Math.max(0, left), "rate-budget");
  }

  /** Calls in the window ending at {@code now}. */
  int used(long now, RateLimit limit) {
    long period = limit.period().toMillis();
    return (int) calls.stream().filter(at -> at > now - period).count();
  }

  /**
   * The instant of the {@code n}th oldest call (1-based), or of the oldest when there are fewer.
   */
  private long nth(int n) {
    int seen = 0;
    long at = calls.isEmpty() ? 0 : calls.peekFirst();
    for (long call : calls) {
      at = call;
      if (++seen >= n) {
        break;
      }
    }
    return at;
  }
}
