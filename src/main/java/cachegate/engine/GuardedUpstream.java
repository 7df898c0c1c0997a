package cachegate.engine;

import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.Optional;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Protects an upstream, and the service from it: at most {@code maxConcurrency} requests in flight
 * and at most {@code maxQueue} waiting (more fail at once as UNAVAILABLE); a circuit breaker that,
 * after {@link #BREAKER_THRESHOLD} failures in a row, stops asking for {@link #BREAKER_OPEN_FOR};
 * and an upstream {@code Retry-After} (on 429 or 503) honoured by asking nothing until then. While
 * it refuses, the engine serves stale entries, and the HTTP layer answers 503 with {@code
 * Retry-After} for keys without one.
 *
 * <p>An answer whose body is passed on as it arrives holds its place in flight until the body has
 * been passed on (or given up), so that at most {@code maxConcurrency} such bodies are open.
 *
 * <p>Threading: thread-safe and lock-free; a request leaves the queue on the thread that completed
 * the request before it. A request that waited in the queue longer than {@code maxWait} (on the
 * injected clock) is failed with TIMEOUT instead of being sent, so no caller waits much longer than
 * the upstream timeout.
 */
public final class GuardedUpstream implements Upstream {
  static final int BREAKER_THRESHOLD = 5;
  static final Duration BREAKER_OPEN_FOR = Duration.ofSeconds(5);

  /**
   * The longest {@code Retry-After} honoured, so that a wrong header cannot silence an upstream.
   */
  static final Duration MAX_RETRY_AFTER = Duration.ofHours(1);

  private final Upstream delegate;
  private final String name;
  private final String route;
  private final CacheMetrics metrics;
  private final int maxConcurrency;
  private final int maxQueue;
  private final Duration maxWait;
  private final InstantSource clock;
  private final CircuitBreaker breaker;
  private final AtomicInteger inFlight = new AtomicInteger();
  private final AtomicInteger queued = new AtomicInteger();
  private final Queue<Runnable> waiting = new ConcurrentLinkedQueue<>();
  private final RateBudget budget;
  private final RateGate gate;

  /**
   * @param name the upstream as error messages name it
   * @param route the route, as metrics name it; a full queue counts as {@code upstream-queue-full}
   * @param maxWait the longest a request waits in the queue (the upstream timeout)
   */
  public GuardedUpstream(
      Upstream delegate,
      String name,
      String route,
      int maxConcurrency,
      int maxQueue,
      Duration maxWait,
      InstantSource clock,
      CacheMetrics metrics) {
    this(
        delegate,
        name,
        route,
        maxConcurrency,
        maxQueue,
        maxWait,
        clock,
        metrics,
        RateBudget.none());
  }

  /** As above, making a call only when {@code budget} allows it (see {@link RateGate}). */
  public GuardedUpstream(
      Upstream delegate,
      String name,
      String route,
      int maxConcurrency,
      int maxQueue,
      Duration maxWait,
      InstantSource clock,
      CacheMetrics metrics,
      RateBudget budget) {
    this.budget = budget;
    this.delegate = delegate;
    this.name = name;
    this.route = route;
    this.metrics = CacheMetrics.guarded(metrics);
    this.maxConcurrency = maxConcurrency;
    this.maxQueue = maxQueue;
    this.maxWait = maxWait;
    this.clock = clock;
    this.breaker = new CircuitBreaker(BREAKER_THRESHOLD, BREAKER_OPEN_FOR, clock);
    this.gate = new RateGate(delegate, budget, name, route, this.metrics);
  }

  @Override
  public CompletableFuture<UpstreamResponse> fetch(CacheKey key, Validators validators) {
    return fetch(key, validators, Span.none());
  }

  @Override
  public CompletableFuture<UpstreamResponse> fetch(CacheKey key, Validators validators, Span span) {
    return fetch(key, validators, span, RateBudget.Priority.REQUEST);
  }

  /** This upstream for background refreshes: they yield the last of the rate budget to requests. */
  @Override
  public Upstream inBackground() {
    GuardedUpstream guarded = this;
    return new Upstream() {
      @Override
      public CompletableFuture<UpstreamResponse> fetch(CacheKey key, Validators validators) {
        return fetch(key, validators, Span.none());
      }

      @Override
      public CompletableFuture<UpstreamResponse> fetch(
          CacheKey key, Validators validators, Span span) {
        return guarded.fetch(key, validators, span, RateBudget.Priority.BACKGROUND);
      }

      @Override
      public String describe() {
        return guarded.describe();
      }
    };
  }

  private CompletableFuture<UpstreamResponse> fetch(
      CacheKey key, Validators validators, Span span, RateBudget.Priority priority) {
    if (!breaker.tryPass()) {
      Duration wait = breaker.retryAfter().orElse(Duration.ofSeconds(1));
      return CompletableFuture.failedFuture(
          UpstreamException.unavailable(name, breaker.whyRefused(), wait));
    }
    CompletableFuture<UpstreamResponse> result = new CompletableFuture<>();
    Instant latest = clock.instant().plus(maxWait);
    Runnable send =
        () -> {
          if (clock.instant().isAfter(latest)) {
            finished();
            result.completeExceptionally(UpstreamException.timeout(name + " (queued)", maxWait));
            return;
          }
          gate.call(key, validators, span, priority)
              .whenComplete(
                  (answer, failure) -> {
                    record(failure);
                    if (failure != null) {
                      finished();
                      result.completeExceptionally(failure);
                    } else if (answer.body() instanceof UpstreamBody.Streamed streamed) {
                      // A body passed on keeps its place until it has been passed on.
                      result.complete(answer.withBody(streamed.whenDone(this::finished)));
                    } else {
                      finished();
                      result.complete(answer);
                    }
                  });
        };
    if (inFlight.incrementAndGet() <= maxConcurrency) {
      send.run();
      return result;
    }
    inFlight.decrementAndGet();
    if (queued.incrementAndGet() > maxQueue) {
      queued.decrementAndGet();
      metrics.limitReached("upstream-queue-full", route);
      return CompletableFuture.failedFuture(
          UpstreamException.unavailable(
              name,
              maxConcurrency + " requests in flight and " + maxQueue + " waiting",
              Duration.ofSeconds(1)));
    }
    waiting.add(send);
    startWaiting();
    return result;
  }

  /** The upstream and its route: {@code upstream http://host:port of route universities}. */
  @Override
  public String describe() {
    return "upstream " + name + " of route " + route;
  }

  /** The breaker's state, for {@code /health}. */
  public CircuitBreaker.State breakerState() {
    return breaker.state();
  }

  /** The route's rate budget, for {@code /health}. */
  public RateBudget budget() {
    return budget;
  }

  /** Requests in flight now. */
  public int inFlight() {
    return inFlight.get();
  }

  private void record(Throwable failure) {
    if (failure == null) {
      breaker.succeeded();
      return;
    }
    Throwable cause = Failures.unwrap(failure);
    if (cause instanceof UpstreamException refused
        && refused.kind() == UpstreamException.Kind.UNAVAILABLE) {
      // Not asked (the rate budget refused): the upstream said nothing about its health.
      return;
    }
    if (cause instanceof UpstreamException upstream) {
      Optional<Duration> asked = upstream.retryAfter();
      if (asked.isPresent()) {
        // The upstream said when to come back: that, not the breaker's own window on top of it.
        Duration wait = asked.get();
        breaker.openFor(wait.compareTo(MAX_RETRY_AFTER) < 0 ? wait : MAX_RETRY_AFTER);
        return;
      }
      if (upstream.countsAgainstUpstream()) {
        breaker.failed();
      } else {
        breaker.succeeded();
      }
    } else {
      breaker.failed();
    }
  }

  private void finished() {
    inFlight.decrementAndGet();
    startWaiting();
  }

  /** Sends queued requests while there is room. */
  private void startWaiting() {
    while (!waiting.isEmpty()) {
      if (inFlight.incrementAndGet() > maxConcurrency) {
        inFlight.decrementAndGet();
        return;
      }
      Runnable next = waiting.poll();
      if (next == null) {
        inFlight.decrementAndGet();
        return;
      }
      queued.decrementAndGet();
      next.run();
    }
  }
}
