package cachegate.engine;

import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Stops calling a dependency that keeps failing, so that requests fail at once instead of each
 * waiting for a timeout. After {@code threshold} consecutive failures it opens for {@code openFor};
 * then one call (the probe) may go ahead: its success closes the breaker, its failure opens it
 * again. A dependency may also ask to be left alone until an instant (an HTTP {@code Retry-After}).
 * Thread-safe and lock-free; time comes from the injected clock.
 */
public final class CircuitBreaker {
  /** The breaker's state, as {@code /health} reports it. */
  public enum State {
    /** Calls go ahead. */
    CLOSED,
    /** Calls fail at once until the open period ends. */
    OPEN,
    /** The open period has ended: the next call is a probe. */
    HALF_OPEN
  }

  private final int threshold;
  private final Duration openFor;
  private final InstantSource clock;
  private final AtomicInteger failures = new AtomicInteger();
  private final AtomicReference<Instant> openUntil = new AtomicReference<>(Instant.MIN);
  private final AtomicReference<Instant> askedUntil = new AtomicReference<>(Instant.MIN);
  private final AtomicBoolean probing = new AtomicBoolean();

  public CircuitBreaker(int threshold, Duration openFor, InstantSource clock) {
    if (threshold < 1) {
      throw new IllegalArgumentException("breaker threshold must be positive, was " + threshold);
    }
    this.threshold = threshold;
    this.openFor = openFor;
    this.clock = clock;
  }

  /**
   * Whether a call may go ahead now: always while closed, never while open, and once (the probe)
   * when the open period has ended. A caller that is let through must report {@link #succeeded()}
   * or {@link #failed()}.
   */
  public boolean tryPass() {
    if (failures.get() < threshold) {
      return true;
    }
    if (clock.instant().isBefore(openUntil.get())) {
      return false;
    }
    return probing.compareAndSet(false, true);
  }

  /** A call succeeded: the breaker closes. */
  public void succeeded() {
    failures.set(0);
    probing.set(false);
  }

  /** A call failed: the breaker opens once failures reach the threshold, or when a probe fails. */
  public void failed() {
    if (failures.incrementAndGet() >= threshold || probing.get()) {
      openUntil(clock.instant().plus(openFor));
    }
  }

  /**
   * Opens the breaker for {@code duration} at least, as a dependency's {@code Retry-After} asks.
   */
  public void openFor(Duration duration) {
    Instant until = clock.instant().plus(duration);
    askedUntil.accumulateAndGet(
        until, (current, wanted) -> wanted.isAfter(current) ? wanted : current);
    openUntil(until);
  }

  private void openUntil(Instant until) {
    failures.updateAndGet(count -> Math.max(count, threshold));
    openUntil.accumulateAndGet(
        until, (current, wanted) -> wanted.isAfter(current) ? wanted : current);
    probing.set(false);
  }

  /** How long until calls may go ahead again, while open. */
  public Optional<Duration> retryAfter() {
    if (failures.get() < threshold) {
      return Optional.empty();
    }
    Duration left = Duration.between(clock.instant(), openUntil.get());
    return left.isNegative() || left.isZero() ? Optional.empty() : Optional.of(left);
  }

  /**
   * Why a call may not go ahead now, for error messages: the dependency asked to be left alone
   * until an instant, or the breaker is open until one (each with the time left), or a probe is in
   * flight. Of a Retry-After and failures, it names the one that keeps the breaker open longest.
   */
  public String whyRefused() {
    Instant now = clock.instant();
    Instant until = openUntil.get();
    if (!now.isBefore(until)) {
      return "its circuit breaker is half-open: one call is probing it now";
    }
    String when = " until " + at(until) + ", " + left(Duration.between(now, until)) + " from now";
    return askedUntil.get().equals(until)
        ? "it asked to be left alone (Retry-After)" + when
        : "its circuit breaker is open (it failed " + threshold + " times in a row)" + when;
  }

  /** {@code instant} to the second, in UTC: {@code 2026-12-05T04:05:20Z}. */
  private static String at(Instant instant) {
    return DateTimeFormatter.ISO_INSTANT.format(instant.truncatedTo(ChronoUnit.SECONDS));
  }

  /** {@code left} to the millisecond under a second, else rounded up to whole seconds. */
  private static String left(Duration left) {
    Duration shown =
        left.compareTo(Duration.ofSeconds(1)) < 0
            ? left.truncatedTo(ChronoUnit.MILLIS)
            : Duration.ofSeconds(left.getSeconds() + (left.getNano() > 0 ? 1 : 0));
    return DurationText.of(shown);
  }

  public State state() {
    if (failures.get() < threshold) {
      return State.CLOSED;
    }
    return clock.instant().isBefore(openUntil.get()) ? State.OPEN : State.HALF_OPEN;
  }
}
