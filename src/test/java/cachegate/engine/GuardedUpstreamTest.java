package cachegate.engine;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

class GuardedUpstreamTest {
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
