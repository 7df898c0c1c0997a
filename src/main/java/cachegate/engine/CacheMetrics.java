package cachegate.engine;

import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * What the cache did, one method per outcome, as Caffeine's {@code StatsCounter}. Implementations
 * must be thread-safe and cheap; {@link #guarded} makes sure a broken one never fails a request.
 */
public interface CacheMetrics {
  /** A fresh entry was served. */
  void hit(String route);

  /** Nothing was stored: the answer came from the upstream. */
  void miss(String route);

  /** A stale entry was served while it was refreshed in the background. */
  void staleServed(String route);

  /** A stored entry was too old: the answer was fetched anew. */
  void revalidated(String route);

  /** The upstream failed and a stale entry was served instead. */
  void staleIfError(String route);

  /** The upstream failed and there was nothing to serve instead. */
  void error(String route);

  /** The request was refused before the cache was asked (bad input). */
  void rejected(String route);

  /** A request joined a fetch made for another request instead of making its own. */
  void coalesced(String route);

  /** One upstream call and how long it took. */
  void upstreamCall(String route, Duration latency, boolean succeeded);

  /**
   * A store tier ({@code local}, {@code redis}, {@code lease} for fetch leases, {@code evictions}
   * for announcements on the eviction channel) failed.
   */
  void storeFailure(String tier);

  /**
   * A limit on something cachegate does not control was reached: {@code limit} names it (the
   * README's Limits table lists each name), {@code route} is the route it concerns, empty for
   * limits on client connections.
   */
  void limitReached(String limit, String route);

  /**
   * A store tier ({@code redis} for entries, {@code lease} for fetch leases) answered but refused a
   * write because it is full; not a {@link #storeFailure}.
   */
  void storeFull(String tier);

  /** Records nothing. */
  /** A request found the route's upstream rate budget spent. */
  default void budgetRefused(String route) {}

  /** A background refresh was not made, to leave the last of the rate budget to requests. */
  default void refreshDeferred(String route) {}

  /** The upstream answered a conditional refresh with {@code 304 Not Modified}. */
  default void upstreamNotModified(String route) {}

  /**
   * A client was answered with the upstream's 4xx {@code status}, with what the cache did: a status
   * the route caches shows hits after its first miss, one it passes on only misses.
   */
  default void errorStatusAnswered(String route, int status, CacheOutcome outcome) {}

  /**
   * {@code bytes} of an upstream answer's body arrived, as sent ({@code encoding} {@code gzip} or
   * {@code identity}), before any inflating.
   */
  default void upstreamBytes(String route, String encoding, long bytes) {}

  static CacheMetrics none() {
    return NoMetrics.INSTANCE;
  }

  /** Wraps {@code metrics} so that its exceptions are logged once and otherwise ignored. */
  static CacheMetrics guarded(CacheMetrics metrics) {
    return new Guarded(metrics);
  }

  /** Records every outcome of an answer. */
  default void record(Answer answer) {
    String route = answer.key().route();
    switch (answer.outcome()) {
      case HIT -> hit(route);
      case MISS -> miss(route);
      case STALE -> staleServed(route);
      case REVALIDATED -> revalidated(route);
      case STALE_IF_ERROR -> staleIfError(route);
    }
    if (answer instanceof CacheResult result && result.collapsed()) {
      coalesced(route);
    }
    int status =
        answer instanceof CacheResult result
            ? result.entry().status()
            : ((PassThrough) answer).status();
    if (status >= 400) {
      errorStatusAnswered(route, status, answer.outcome());
    }
  }

  /** The no-op metrics. */
  enum NoMetrics implements CacheMetrics {
    INSTANCE;

    @Override
    public void hit(String route) {}

    @Override
    public void miss(String route) {}

    @Override
    public void staleServed(String route) {}

    @Override
    public void revalidated(String route) {}

    @Override
    public void staleIfError(String route) {}

    @Override
    public void error(String route) {}

    @Override
    public void rejected(String route) {}

    @Override
    public void coalesced(String route) {}

    @Override
    public void upstreamCall(String route, Duration latency, boolean succeeded) {}

    @Override
    public void storeFailure(String tier) {}

    @Override
    public void limitReached(String limit, String route) {}

    @Override
    public void storeFull(String tier) {}
  }

  /** Catches whatever the wrapped metrics throw; logs the first failure. */
  final class Guarded implements CacheMetrics {
    private static final Logger LOG = System.getLogger(CacheMetrics.class.getName());
    private final CacheMetrics delegate;
    private final AtomicBoolean logged = new AtomicBoolean();

    private Guarded(CacheMetrics delegate) {
      this.delegate = delegate;
    }

    private void guard(Runnable call) {
      try {
        call.run();
      } catch (RuntimeException e) {
        if (logged.compareAndSet(false, true)) {
          LOG.log(Level.ERROR, "metrics failed; requests go on, further failures not logged", e);
        }
      }
    }

    @Override
    public void hit(String route) {
      guard(() -> delegate.hit(route));
    }

    @Override
    public void miss(String route) {
      guard(() -> delegate.miss(route));
    }

    @Override
    public void staleServed(String route) {
      guard(() -> delegate.staleServed(route));
    }

    @Override
    public void revalidated(String route) {
      guard(() -> delegate.revalidated(route));
    }

    @Override
    public void staleIfError(String route) {
      guard(() -> delegate.staleIfError(route));
    }

    @Override
    public void error(String route) {
      guard(() -> delegate.error(route));
    }

    @Override
    public void rejected(String route) {
      guard(() -> delegate.rejected(route));
    }

    @Override
    public void coalesced(String route) {
      guard(() -> delegate.coalesced(route));
    }

    @Override
    public void upstreamCall(String route, Duration latency, boolean succeeded) {
      guard(() -> delegate.upstreamCall(route, latency, succeeded));
    }

    @Override
    public void storeFailure(String tier) {
      guard(() -> delegate.storeFailure(tier));
    }

    @Override
    public void limitReached(String limit, String route) {
      guard(() -> delegate.limitReached(limit, route));
    }

    @Override
    public void budgetRefused(String route) {
      guard(() -> delegate.budgetRefused(route));
    }

    @Override
    public void refreshDeferred(String route) {
      guard(() -> delegate.refreshDeferred(route));
    }

    @Override
    public void upstreamBytes(String route, String encoding, long bytes) {
      guard(() -> delegate.upstreamBytes(route, encoding, bytes));
    }

    @Override
    public void storeFull(String tier) {
      guard(() -> delegate.storeFull(tier));
    }

    @Override
    public void upstreamNotModified(String route) {
      guard(() -> delegate.upstreamNotModified(route));
    }

    @Override
    public void errorStatusAnswered(String route, int status, CacheOutcome outcome) {
      guard(() -> delegate.errorStatusAnswered(route, status, outcome));
    }
  }
}
