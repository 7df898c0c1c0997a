package cachegate.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import cachegate.store.MemoryStore;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The rate budget where the upstream is called, and what the engine makes of its refusals. */
class RateGateTest {
  private static final String ORIGIN = "http://127.0.0.1:9";
  private static final CacheKey GERMANY =
      new CacheKey("t", "universities", Map.of("country", "germany"));

  private final ManualClock clock = new ManualClock();
  private final CountingUpstream upstream = new CountingUpstream();
  private final LocalRateBudget budget = new LocalRateBudget(RateLimit.parse("10/s"), clock);
  private final GuardedUpstream guarded =
      new GuardedUpstream(
          upstream,
          ORIGIN,
          "universities",
          4,
          4,
          Duration.ofSeconds(10),
          clock,
          CacheMetrics.none(),
          budget);

  @Test
  void aCallBeyondTheBudgetIsNotMadeAndSaysWhenToTryAgain() {
    for (int i = 0; i < 10; i++) {
      guarded.fetch(GERMANY).join();
    }
    clock.advance(Duration.ofMillis(400));

    UpstreamException refused = refusal(guarded.fetch(GERMANY));

    assertThat(upstream.calls()).isEqualTo(10);
    assertThat(refused.kind()).isEqualTo(UpstreamException.Kind.UNAVAILABLE);
    assertThat(refused.retryAfter()).hasValue(Duration.ofMillis(600));
    assertThat(refused.getMessage())
        .isEqualTo(
            "upstream http://127.0.0.1:9 was not asked: rate budget of 10/1s spent for 600ms");
    assertThat(guarded.breakerState()).isEqualTo(CircuitBreaker.State.CLOSED);
  }

  @Test
  void aBackgroundRefreshIsDeferredWhenOnlyTheReserveIsLeftAndARequestMayStillCall() {
    for (int i = 0; i < 9; i++) {
      guarded.fetch(GERMANY).join();
    }

    UpstreamException deferred = refusal(guarded.inBackground().fetch(GERMANY));

    assertThat(deferred.kind()).isEqualTo(UpstreamException.Kind.UNAVAILABLE);
    assertThat(upstream.calls()).isEqualTo(9);
    guarded.fetch(GERMANY).join();
    assertThat(upstream.calls()).isEqualTo(10);
  }

  @Test
  void aTooManyRequestsAnswerWithRetryAfterPausesTheSharedBudget() {
    upstream.failWith(
        UpstreamException.badStatus(ORIGIN, 429, Optional.of(Duration.ofSeconds(30))));

    refusal(guarded.fetch(GERMANY));

    assertThat(budget.status().pausedFor()).isEqualTo(Duration.ofSeconds(30));
    assertThat(budget.take(RateBudget.Priority.REQUEST).join().why()).isEqualTo("paused");
  }

  @Test
  void aSpentBudgetServesTheStoredAnswerWithinStaleIfErrorAndDefersTheRefreshWithinRevalidate() {
    MemoryStore store = new MemoryStore(1 << 20, clock);
    CacheEngine engine =
        new CacheEngine(
            store,
            guarded,
            FetchLease.local(store),
            new CachePolicy(
                Duration.ofSeconds(30), Duration.ofSeconds(60), Duration.ofHours(1), 0, 1 << 20),
            clock,
            FixedRandom.of(0),
            Duration.ofSeconds(10));
    engine.get(GERMANY).join();
    for (int i = 0; i < 9; i++) {
      guarded.fetch(GERMANY).join();
    }

    clock.advance(Duration.ofSeconds(31));
    for (int i = 0; i < 10; i++) {
      guarded.fetch(GERMANY).join();
    }
    clock.advance(Duration.ofMillis(1));
    assertThat(budget.take(RateBudget.Priority.REQUEST).join().allowed()).isFalse();
    Answer withinRevalidate = engine.get(GERMANY).join();
    clock.advance(Duration.ofSeconds(60));
    for (int i = 0; i < 10; i++) {
      guarded.fetch(GERMANY).join();
    }
    Answer withinStaleIfError = engine.get(GERMANY).join();

    assertThat(withinRevalidate.outcome()).isEqualTo(CacheOutcome.STALE);
    assertThat(withinStaleIfError.outcome()).isEqualTo(CacheOutcome.STALE_IF_ERROR);
    assertThat(upstream.calls()).isEqualTo(1 + 9 + 10 + 10);
  }

  private static UpstreamException refusal(
      java.util.concurrent.CompletableFuture<UpstreamResponse> call) {
    return (UpstreamException) Failures.unwrap(catchThrowable(call::join));
  }
}
