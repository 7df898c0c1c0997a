package cachegate.engine;

import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A clock that moves only when a test advances it. Thread-safe: readers on any thread see the
 * latest instant. It never goes backwards, because tickers built on it must be monotonic.
 */
public final class ManualClock implements InstantSource {
  /** An arbitrary, fixed starting point, so that tests never depend on the wall clock. */
  public static final Instant DEFAULT_START = Instant.parse("2025-01-01T00:00:00Z");

  private final AtomicReference<Instant> now;

  public ManualClock() {
    this(DEFAULT_START);
  }

  public ManualClock(Instant start) {
    this.now = new AtomicReference<>(Objects.requireNonNull(start, "start"));
  }

  /** Moves the clock forward by {@code duration}, which must not be negative. */
  public void advance(Duration duration) {
    if (duration.isNegative()) {
      throw new IllegalArgumentException("a ManualClock never goes backwards, was " + duration);
    }
    now.updateAndGet(instant -> instant.plus(duration));
  }

  @Override
  public Instant instant() {
    return now.get();
  }
}
