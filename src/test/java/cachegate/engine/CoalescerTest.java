package cachegate.engine;

import static org.assertj.core.api.Assertions.assertThat;

import cachegate.support.CapturedLogs;
import ch.qos.logback.classic.Level;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class CoalescerTest {
  private static final Duration WAIT = Duration.ofSeconds(5);

  private final Coalescer<String, String> coalescer = new Coalescer<>();
  private final AtomicInteger started = new AtomicInteger();

  @Test
  void callersArrivingWhileAnOperationRunsJoinItInsteadOfStartingAnother() {
    CompletableFuture<String> running = new CompletableFuture<>();
    Coalescer.Flight<String> first = join("germany", counted(() -> running));

    Coalescer.Flight<String> second = join("germany", counted(() -> running));
    Coalescer.Flight<String> third = join("germany", counted(CompletableFuture::new));

    assertThat(started).hasValue(1);
    assertThat(first.leader()).isTrue();
    assertThat(second.leader()).isFalse();
    assertThat(third.leader()).isFalse();
    assertThat(second.result()).isSameAs(first.result());
    assertThat(third.result()).isSameAs(first.result());
    assertThat(coalescer.inFlight()).isEqualTo(1);
  }

  @Test
  void everyCallerGetsTheOperationsResult() {
    CompletableFuture<String> running = new CompletableFuture<>();
    Coalescer.Flight<String> first = join("germany", counted(() -> running));
    Coalescer.Flight<String> second = join("germany", counted(() -> running));

    running.complete("answer");

    assertThat(first.result()).isCompletedWithValue("answer");
    assertThat(second.result()).isCompletedWithValue("answer");
  }

  @Test
  void aCallerArrivingAfterCompletionStartsANewOperation() {
    CompletableFuture<String> running = new CompletableFuture<>();
    join("germany", counted(() -> running));
    running.complete("first");

    Coalescer.Flight<String> later =
        join("germany", counted(() -> CompletableFuture.completedFuture("second")));

    assertThat(started).hasValue(2);
    assertThat(later.leader()).isTrue();
    assertThat(later.result()).isCompletedWithValue("second");
    assertThat(coalescer.inFlight()).isZero();
  }

  @Test
  void aCallerArrivingWhileTheResultIsStillBeingWrittenGetsItWithoutANewOperation() {
    CompletableFuture<String> running = new CompletableFuture<>();
    CompletableFuture<Void> writing = new CompletableFuture<>();
    coalescer.join("germany", counted(() -> running), value -> writing);
    running.complete("answer");

    Coalescer.Flight<String> meanwhile = join("germany", counted(CompletableFuture::new));
    writing.complete(null);
    Coalescer.Flight<String> after = join("germany", counted(CompletableFuture::new));

    assertThat(meanwhile.leader()).isFalse();
    assertThat(meanwhile.result()).isCompletedWithValue("answer");
    assertThat(after.leader()).isTrue();
    assertThat(started).hasValue(2);
    assertThat(coalescer.inFlight()).isEqualTo(1);
  }

  @Test
  void whatComesAfterTheResultStartsOnceTheCallersHaveIt() {
    CompletableFuture<String> running = new CompletableFuture<>();
    List<String> order = new ArrayList<>();
    Coalescer.Flight<String> first =
        coalescer.join(
            "germany",
            counted(() -> running),
            value -> {
              order.add("afterwards with " + value);
              return CompletableFuture.completedFuture(null);
            });
    first.result().thenAccept(value -> order.add("caller got " + value));

    running.complete("answer");

    assertThat(order).containsExactly("caller got answer", "afterwards with answer");
    assertThat(coalescer.inFlight()).isZero();
  }

  @Test
  void theKeyIsFreeBeforeCallersSeeAFailure() {
    CompletableFuture<String> running = new CompletableFuture<>();
    Coalescer.Flight<String> first = join("germany", counted(() -> running));
    AtomicReference<Coalescer.Flight<String>> fromCallback = new AtomicReference<>();
    first
        .result()
        .exceptionally(
            failure -> {
              fromCallback.set(join("germany", counted(CompletableFuture::new)));
              return null;
            });

    running.completeExceptionally(new IllegalStateException("upstream down"));

    assertThat(fromCallback.get().leader()).isTrue();
    assertThat(started).hasValue(2);
  }

  @Test
  void aFailureReachesEveryCallerAndFreesTheKey() {
    CompletableFuture<String> running = new CompletableFuture<>();
    Coalescer.Flight<String> first = join("germany", counted(() -> running));
    Coalescer.Flight<String> second = join("germany", counted(() -> running));
    IllegalStateException failure = new IllegalStateException("upstream down");

    running.completeExceptionally(failure);

    assertThat(List.of(first.result(), second.result()))
        .allSatisfy(
            result ->
                assertThat(result)
                    .failsWithin(WAIT)
                    .withThrowableOfType(ExecutionException.class)
                    .havingRootCause()
                    .isSameAs(failure));
    assertThat(coalescer.inFlight()).isZero();
    Coalescer.Flight<String> retry = join("germany", counted(CompletableFuture::new));
    assertThat(retry.leader()).isTrue();
    assertThat(started).hasValue(2);
  }

  @Test
  void whatFollowsTheResultThrowingIsLoggedWithItsStackTraceAndFreesTheKey() {
    IllegalStateException bug = new IllegalStateException("bug after the result");

    Coalescer.Flight<String> flight;
    try (CapturedLogs logs = CapturedLogs.of(Coalescer.class)) {
      flight =
          coalescer.join(
              "germany",
              counted(() -> CompletableFuture.completedFuture("answer")),
              value -> {
                throw bug;
              });

      assertThat(logs.events())
          .singleElement()
          .satisfies(
              event -> {
                assertThat(event.getLevel()).isEqualTo(Level.ERROR);
                assertThat(event.getFormattedMessage()).contains("germany");
                assertThat(event.getThrowableProxy().getMessage()).isEqualTo(bug.getMessage());
              });
    }
    assertThat(flight.result()).isCompletedWithValue("answer");
    assertThat(coalescer.inFlight()).isZero();
  }

  @Test
  void whatFollowsTheResultFailingIsLoggedAndFreesTheKey() {
    CompletableFuture<Void> writing = new CompletableFuture<>();
    coalescer.join(
        "germany", counted(() -> CompletableFuture.completedFuture("answer")), value -> writing);

    try (CapturedLogs logs = CapturedLogs.of(Coalescer.class)) {
      writing.completeExceptionally(new IllegalStateException("write went wrong"));

      assertThat(logs.events())
          .singleElement()
          .satisfies(
              event ->
                  assertThat(event.getThrowableProxy().getMessage()).isEqualTo("write went wrong"));
    }
    assertThat(coalescer.inFlight()).isZero();
  }

  @Test
  void differentKeysRunIndependently() {
    CompletableFuture<String> germany = new CompletableFuture<>();
    CompletableFuture<String> france = new CompletableFuture<>();
    Coalescer.Flight<String> first = join("germany", counted(() -> germany));

    Coalescer.Flight<String> other = join("france", counted(() -> france));
    france.complete("fr");

    assertThat(other.leader()).isTrue();
    assertThat(other.result()).isCompletedWithValue("fr");
    assertThat(first.result()).isNotDone();
    assertThat(coalescer.inFlight()).isEqualTo(1);
    assertThat(started).hasValue(2);
  }

  @Test
  void anOperationThatThrowsFailsItsFlightAndFreesTheKey() {
    IllegalStateException thrown = new IllegalStateException("cannot start");

    Coalescer.Flight<String> flight =
        join(
            "germany",
            counted(
                () -> {
                  throw thrown;
                }));

    assertThat(flight.leader()).isTrue();
    assertThat(flight.result())
        .failsWithin(WAIT)
        .withThrowableOfType(ExecutionException.class)
        .havingRootCause()
        .isSameAs(thrown);
    assertThat(coalescer.inFlight()).isZero();
  }

  @Test
  void anOperationThatCompletesAtOnceLeavesNothingInFlight() {
    Coalescer.Flight<String> flight =
        join("germany", counted(() -> CompletableFuture.completedFuture("now")));

    CompletableFuture<String> result = flight.result();

    assertThat(result).isCompletedWithValue("now");
    assertThat(coalescer.inFlight()).isZero();
  }

  @Test
  void manyThreadsJoiningOneKeyAtOnceStartOneOperation() throws Exception {
    CompletableFuture<String> running = new CompletableFuture<>();
    ExecutorService threads = Executors.newFixedThreadPool(8);
    List<Callable<Coalescer.Flight<String>>> callers =
        IntStream.range(0, 100)
            .mapToObj(
                i ->
                    (Callable<Coalescer.Flight<String>>)
                        () -> join("germany", counted(() -> running)))
            .toList();

    List<Coalescer.Flight<String>> flights = new ArrayList<>();
    try {
      for (Future<Coalescer.Flight<String>> flight : threads.invokeAll(callers)) {
        flights.add(flight.get());
      }
    } finally {
      threads.shutdownNow();
    }

    assertThat(started).hasValue(1);
    assertThat(flights).filteredOn(Coalescer.Flight::leader).hasSize(1);
    assertThat(flights).extracting(Coalescer.Flight::result).containsOnly(flights.get(0).result());
  }

  /** Joins an operation with nothing to do after its result. */
  private Coalescer.Flight<String> join(String key, Supplier<CompletableFuture<String>> operation) {
    return coalescer.join(key, operation, value -> CompletableFuture.completedFuture(null));
  }

  private Supplier<CompletableFuture<String>> counted(Supplier<CompletableFuture<String>> op) {
    return () -> {
      started.incrementAndGet();
      return op.get();
    };
  }
}
