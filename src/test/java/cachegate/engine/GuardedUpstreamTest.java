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

  private final CountingUpstream upstream = new CountingUpstream();
  private final GuardedUpstream guarded =
      new GuardedUpstream(
          upstream,
          "upstream",
          "universities",
          1,
          1,
          Duration.ofSeconds(10),
          new ManualClock(),
          CacheMetrics.none());

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
      CacheEngine engine =
          new CacheEngine(
              new MemoryStore(1 << 20, clock),
              guarded(clock),
              FetchLease.LOCAL,
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
}
