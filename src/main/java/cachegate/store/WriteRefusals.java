package cachegate.store;

import cachegate.engine.CacheMetrics;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * What cachegate does when Redis is full and refuses writes ({@code OOM command not allowed}, at
 * {@code maxmemory} with the {@code noeviction} policy), in one place: each refused write is
 * counted ({@link CacheMetrics#storeFull}); one line is logged when Redis starts refusing and one
 * when it accepts writes again, whatever reads do in between; and the caller gets a skipped write.
 *
 * <p>A full Redis with keys expiring, or with client buffers coming and going, hovers at its limit
 * and accepts a write now and then between refusals. So a write accepted within {@link #QUIET} of
 * the last refusal does not end the episode: such a Redis gives two lines, not two per write.
 * Thread-safe and lock-free; time comes from the injected clock.
 */
final class WriteRefusals {
  /** How long after the last refusal an accepted write counts as Redis having room again. */
  static final Duration QUIET = Duration.ofMinutes(1);

  private static final Logger LOG = System.getLogger(WriteRefusals.class.getName());

  private final String redis;
  private final InstantSource clock;
  private final CacheMetrics metrics;
  private final AtomicBoolean refusing = new AtomicBoolean();
  private final AtomicReference<Instant> lastRefusal = new AtomicReference<>(Instant.MIN);
  private final AtomicLong refused = new AtomicLong();

  /**
   * @param redis where Redis is, password masked, for the log lines
   */
  WriteRefusals(String redis, InstantSource clock, CacheMetrics metrics) {
    this.redis = redis;
    this.clock = clock;
    this.metrics = CacheMetrics.guarded(metrics);
  }

  /**
   * A write to {@code tier} was refused with {@code reply}; logs it if Redis had room until now.
   */
  void refused(String tier, String reply) {
    metrics.storeFull(tier);
    lastRefusal.set(clock.instant());
    refused.incrementAndGet();
    if (refusing.compareAndSet(false, true)) {
      LOG.log(
          Level.WARNING,
          "Redis {0} is full and refuses writes ({1}): entries it holds are still served; new"
              + " answers are served but not stored there and fetches are shared within each"
              + " instance only, until it has room (further refusals not logged, counted in"
              + " cachegate_store_writes_refused_total)",
          redis,
          reply);
    }
  }

  /**
   * A write was accepted; logs that Redis has room again if it was refusing until {@link #QUIET}.
   */
  void accepted() {
    if (!refusing.get() || clock.instant().isBefore(lastRefusal.get().plus(QUIET))) {
      return;
    }
    if (refusing.compareAndSet(true, false)) {
      LOG.log(
          Level.INFO,
          "Redis {0} accepts writes again ({1} refused while it was full)",
          redis,
          refused.getAndSet(0));
    }
  }
}
