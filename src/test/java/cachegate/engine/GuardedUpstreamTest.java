package cachegate.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import cachegate.store.MemoryStore;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import java.net.ConnectException;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

class GuardedUpstreamTest {
  private static final String ORIGIN = "http://127.0.0.1:9";
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
  void aRequestRefusedByTheOpenBreakerSaysSoUntilWhenAndForHowLong() {
    ManualClock clock = new ManualClock();
    GuardedUpstream guarded = guarded(clock);
    upstream.failWith(
        UpstreamException.unreachable(ORIGIN, new ConnectException("Connection refused")));
    for (int i = 0; i < GuardedUpstream.BREAKER_THRESHOLD; i++) {
      guarded.fetch(GERMANY);
    }

    clock.advance(Duration.ofMillis(1500));
    String refused = refusal(guarded);

    assertThat(refused)
        .isEqualTo(
            "upstream http://127.0.0.1:9 was not asked: its circuit breaker is open (it failed 5"
                + " times in a row) until 2025-01-01T00:00:05Z, 4s from now");
  }

  @Test
  void aRequestRefusedWhileTheUpstreamsRetryAfterHoldsSaysSoAndUntilWhen() {
    ManualClock clock = new ManualClock();
    GuardedUpstream guarded = guarded(clock);
    upstream.failWith(
        UpstreamException.badStatus(ORIGIN, 429, Optional.of(Duration.ofSeconds(30))));
    guarded.fetch(GERMANY);

    clock.advance(Duration.ofSeconds(10));
    String refused = refusal(guarded);

    assertThat(refused)
        .isEqualTo(
            "upstream http://127.0.0.1:9 was not asked: it asked to be left alone (Retry-After)"
                + " until 2025-01-01T00:00:30Z, 20s from now");
  }

  @Test
  void aRequestRefusedWhileOneProbesTheUpstreamSaysSo() {
    ManualClock clock = new ManualClock();
    GuardedUpstream guarded = guarded(clock);
    upstream.failWith(
        UpstreamException.unreachable(ORIGIN, new ConnectException("Connection refused")));
    for (int i = 0; i < GuardedUpstream.BREAKER_THRESHOLD; i++) {
      guarded.fetch(GERMANY);
    }
    clock.advance(GuardedUpstream.BREAKER_OPEN_FOR);
    upstream.holdAnswers();
    guarded.fetch(GERMANY);

    String refused = refusal(guarded);

    assertThat(refused)
        .isEqualTo(
            "upstream http://127.0.0.1:9 was not asked: its circuit breaker is half-open: one call"
                + " is probing it now");
  }

  @Test
  void whenTheUpstreamFailsAndRecoversTheLogNamesItsHostAndRoute() {
    ListAppender<ILoggingEvent> logs = new ListAppender<>();
    Logger outages = (Logger) LoggerFactory.getLogger(OutageLog.class.getName());
    logs.start();
    outages.addAppender(logs);
    try {
      ManualClock clock = new ManualClock();
      MemoryStore store = new MemoryStore(1 << 20, clock);
      CacheEngine engine =
          new CacheEngine(
              store,
              guarded(clock),
              FetchLease.local(store),
              CachePolicy.ofTtl(Duration.ofSeconds(30)),
              clock,
              FixedRandom.of(0),
              Duration.ofSeconds(10));
      upstream.failWith(
          UpstreamException.unreachable(ORIGIN, new ConnectException("Connection refused")));
      engine.get(GERMANY).handle((answer, failure) -> null).join();

      upstream.failWith(null);
      engine.get(GERMANY).join();

      assertThat(logs.list)
          .extracting(ILoggingEvent::getFormattedMessage)
          .containsExactly(
              "upstream http://127.0.0.1:9 of route universities is failing: upstream"
                  + " http://127.0.0.1:9 is unreachable: Connection refused; serving stale entries"
                  + " or errors (502/504) until it recovers (further failures not logged)",
              "upstream http://127.0.0.1:9 of route universities has recovered");
    } finally {
      outages.detachAppender(logs);
    }
  }

  private GuardedUpstream guarded(ManualClock clock) {
    return new GuardedUpstream(
        upstream, ORIGIN, "universities", 4, 4, Duration.ofSeconds(10), clock, CacheMetrics.none());
  }

  private static String refusal(GuardedUpstream guarded) {
    Throwable refused = catchThrowable(() -> guarded.fetch(GERMANY).join());
    return Failures.unwrap(refused).getMessage();
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
  void aShortRetryAfterIsHonouredForJustThatLongNotForTheBreakersOwnWindow() {
    upstream.failWith(
        UpstreamException.badStatus("GET /search", 429, Optional.of(Duration.ofSeconds(1))));
    guarded.fetch(GERMANY);
    upstream.succeed();

    CompletableFuture<UpstreamResponse> refused = guarded.fetch(GERMANY);
    clock.advance(Duration.ofSeconds(1));
    CompletableFuture<UpstreamResponse> asked = guarded.fetch(GERMANY);

    assertThat(failure(refused).retryAfter()).contains(Duration.ofSeconds(1));
    assertThat(asked.join().status()).isEqualTo(200);
    assertThat(guarded.breakerState()).isEqualTo(CircuitBreaker.State.CLOSED);
    assertThat(upstream.calls()).isEqualTo(2);
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
