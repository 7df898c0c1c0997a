package cachegate.engine;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

class GuardedUpstreamTest {
  private static final CacheKey GERMANY =
      new CacheKey("t", "universities", Map.of("country", "germany"));

  private static final Duration MAX_WAIT = Duration.ofSeconds(10);

  private final ManualClock clock = new ManualClock();
  private final CountingUpstream upstream = new CountingUpstream();
  private final GuardedUpstream guarded =
      new GuardedUpstream(
          upstream, "upstream", "universities", 1, 1, MAX_WAIT, clock, CacheMetrics.none());

  @Test
  void aWholeAnswerFreesItsPlaceAtOnce() {
    guarded.fetch(GERMANY).join();

    assertThat(guarded.inFlight()).isZero();
  }

  @Test
  void aPassedOnAnswerKeepsItsPlaceUntilItsBodyHasBeenReadAndTheNextWaitsForIt() {
    upstream.passOn();
    UpstreamResponse first = guarded.fetch(GERMANY).join();
    CompletableFuture<UpstreamResponse> second = guarded.fetch(GERMANY);

    assertThat(guarded.inFlight()).isEqualTo(1);
    assertThat(second).isNotDone();

    FakeStream.read(((UpstreamBody.Streamed) first.body()).chunks());

    assertThat(second).isDone();
    ((UpstreamBody.Streamed) second.join().body()).discard();
    assertThat(guarded.inFlight()).isZero();
  }

  @Test
  void aRequestBeyondTheQueueIsRefusedAtOnceAndCounted() {
    LimitsSeen metrics = new LimitsSeen();
    GuardedUpstream counted =
        new GuardedUpstream(
            upstream,
            "upstream",
            "universities",
            1,
            1,
            Duration.ofSeconds(10),
            new ManualClock(),
            metrics);
    upstream.holdAnswers();
    counted.fetch(GERMANY);
    counted.fetch(GERMANY);

    CompletableFuture<UpstreamResponse> third = counted.fetch(GERMANY);

    assertThat(third).isCompletedExceptionally();
    assertThat(metrics.limits()).containsExactly("upstream-queue-full universities");
  }

  @Test
  void afterFiveFailuresInARowTheBreakerOpensAndRefusesWithoutAskingTheUpstream() {
    upstream.failWith(UpstreamException.badStatus("GET /search", 503));
    failFiveTimes();

    CompletableFuture<UpstreamResponse> refused = guarded.fetch(GERMANY);

    assertThat(guarded.breakerState()).isEqualTo(CircuitBreaker.State.OPEN);
    assertThat(failure(refused).kind()).isEqualTo(UpstreamException.Kind.UNAVAILABLE);
    assertThat(failure(refused).retryAfter()).contains(GuardedUpstream.BREAKER_OPEN_FOR);
    assertThat(upstream.calls()).isEqualTo(5);
  }

  @Test
  void afterTheCoolDownOnTheClockOneProbeIsSentAndItsSuccessClosesTheBreaker() {
    upstream.failWith(UpstreamException.badStatus("GET /search", 503));
    failFiveTimes();
    upstream.succeed();

    clock.advance(GuardedUpstream.BREAKER_OPEN_FOR);
    assertThat(guarded.breakerState()).isEqualTo(CircuitBreaker.State.HALF_OPEN);
    UpstreamResponse probe = guarded.fetch(GERMANY).join();

    assertThat(probe.status()).isEqualTo(200);
    assertThat(guarded.breakerState()).isEqualTo(CircuitBreaker.State.CLOSED);
    assertThat(upstream.calls()).isEqualTo(6);
  }

  @Test
  void failuresThatSayNothingAboutTheUpstreamNeverOpenTheBreaker() {
    upstream.failWith(UpstreamException.badStatus("GET /search", 404));

    for (int i = 0; i < 10; i++) {
      guarded.fetch(GERMANY);
    }

    assertThat(guarded.breakerState()).isEqualTo(CircuitBreaker.State.CLOSED);
    assertThat(upstream.calls()).isEqualTo(10);
  }

  @Test
  void anUpstreamRetryAfterIsHonouredButNeverLongerThanAnHour() {
    upstream.failWith(
        UpstreamException.badStatus("GET /search", 429, Optional.of(Duration.ofDays(2))));
    guarded.fetch(GERMANY);
    upstream.succeed();

    clock.advance(GuardedUpstream.MAX_RETRY_AFTER.minusSeconds(1));
    CompletableFuture<UpstreamResponse> stillRefused = guarded.fetch(GERMANY);
    clock.advance(Duration.ofSeconds(1));
    CompletableFuture<UpstreamResponse> asked = guarded.fetch(GERMANY);

    assertThat(failure(stillRefused).kind()).isEqualTo(UpstreamException.Kind.UNAVAILABLE);
    assertThat(asked.join().status()).isEqualTo(200);
    assertThat(upstream.calls()).isEqualTo(2);
  }

  @Test
  void aRequestQueuedLongerThanTheUpstreamTimeoutOnTheClockFailsWithoutBeingSent() {
    CompletableFuture<Void> answers = upstream.holdAnswers();
    CompletableFuture<UpstreamResponse> first = guarded.fetch(GERMANY);
    CompletableFuture<UpstreamResponse> queued = guarded.fetch(GERMANY);

    clock.advance(MAX_WAIT.plusMillis(1));
    answers.complete(null);

    assertThat(first.join().status()).isEqualTo(200);
    assertThat(failure(queued).kind()).isEqualTo(UpstreamException.Kind.TIMEOUT);
    assertThat(upstream.calls()).isEqualTo(1);
    assertThat(guarded.inFlight()).isZero();
  }

  @Test
  void aRequestQueuedNoLongerThanTheUpstreamTimeoutIsSent() {
    CompletableFuture<Void> answers = upstream.holdAnswers();
    guarded.fetch(GERMANY);
    CompletableFuture<UpstreamResponse> queued = guarded.fetch(GERMANY);

    clock.advance(MAX_WAIT);
    answers.complete(null);

    assertThat(queued.join().status()).isEqualTo(200);
    assertThat(upstream.calls()).isEqualTo(2);
  }

  private void failFiveTimes() {
    for (int i = 0; i < GuardedUpstream.BREAKER_THRESHOLD; i++) {
      assertThat(guarded.fetch(GERMANY)).isCompletedExceptionally();
    }
  }

  private static UpstreamException failure(CompletableFuture<UpstreamResponse> answer) {
    assertThat(answer).isCompletedExceptionally();
    return (UpstreamException) Failures.unwrap(answer.handle((ok, failure) -> failure).join());
  }
}
