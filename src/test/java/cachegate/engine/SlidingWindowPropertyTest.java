package cachegate.engine;

import static org.assertj.core.api.Assertions.assertThat;

import cachegate.engine.RateBudget.Priority;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;

/** No window of the period's length, wherever it starts, ever holds more than the limit. */
class SlidingWindowPropertyTest {
  @Property(tries = 300)
  void noWindowOfThePeriodEverHoldsMoreThanTheLimit(
      @ForAll @IntRange(min = 1, max = 20) int calls,
      @ForAll @IntRange(min = 1, max = 2000) int periodMillis,
      @ForAll("gaps") List<Integer> gaps,
      @ForAll("priorities") List<Priority> priorities) {
    ManualClock clock = new ManualClock();
    RateLimit limit = new RateLimit(calls, Duration.ofMillis(periodMillis));
    LocalRateBudget budget = new LocalRateBudget(limit, clock);
    List<Long> made = new ArrayList<>();

    for (int i = 0; i < gaps.size(); i++) {
      clock.advance(Duration.ofMillis(gaps.get(i)));
      if (budget.take(priorities.get(i % priorities.size()), 1).allowed()) {
        made.add(clock.millis());
      }
    }

    for (int first = 0; first < made.size(); first++) {
      long windowStart = made.get(first);
      long inWindow =
          made.stream().filter(at -> at >= windowStart && at < windowStart + periodMillis).count();
      assertThat(inWindow).isLessThanOrEqualTo(calls);
    }
  }

  /** Bursts (no time between calls), calls close together, and pauses longer than a period. */
  @Provide
  Arbitrary<List<Integer>> gaps() {
    return Arbitraries.oneOf(
            Arbitraries.just(0),
            Arbitraries.integers().between(0, 50),
            Arbitraries.integers().between(0, 3000))
        .list()
        .ofMaxSize(300);
  }

  @Provide
  Arbitrary<List<Priority>> priorities() {
    return Arbitraries.of(Priority.class).list().ofMinSize(1).ofMaxSize(8);
  }
}
