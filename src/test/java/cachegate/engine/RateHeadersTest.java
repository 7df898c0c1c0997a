package cachegate.engine;

import static org.assertj.core.api.Assertions.assertThat;

import cachegate.engine.RateHeaders.Hint;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

class RateHeadersTest {
  private static final long NOW = 1_760_000_000L;

  @Test
  void readsTheDraftsFieldWithNamedParameters() {
    Hint hint = read(Map.of("RateLimit", "limit=100, remaining=50, reset=30"));

    assertThat(hint).isEqualTo(new Hint(50, Duration.ofSeconds(30), RateLimit.NONE));
  }

  @Test
  void readsTheNewerDraftsStructuredFieldsAndItsPolicy() {
    Hint hint =
        read(
            Map.of(
                "RateLimit", "\"default\";r=4;t=2",
                "RateLimit-Policy", "\"default\";q=5;w=1"));

    assertThat(hint).isEqualTo(new Hint(4, Duration.ofSeconds(2), RateLimit.parse("5/s")));
  }

  @Test
  void readsTheOlderPolicyFormWithABareQuota() {
    assertThat(read(Map.of("RateLimit-Policy", "100;w=60")).policy())
        .isEqualTo(RateLimit.parse("100/min"));
  }

  @Test
  void readsTheCommonXFieldsWithAResetInSecondsOrAsAnEpochTimestamp() {
    assertThat(read(Map.of("X-RateLimit-Remaining", "7", "X-RateLimit-Reset", "12")))
        .isEqualTo(new Hint(7, Duration.ofSeconds(12), RateLimit.NONE));
    assertThat(read(Map.of("X-RateLimit-Remaining", "7", "X-RateLimit-Reset", "" + (NOW + 90))))
        .isEqualTo(new Hint(7, Duration.ofSeconds(90), RateLimit.NONE));
  }

  @Test
  void aResetOfZeroOrInThePastStillLastsASecondAndAFarOneADay() {
    assertThat(read(Map.of("X-RateLimit-Remaining", "0", "X-RateLimit-Reset", "0")).resetIn())
        .isEqualTo(Duration.ofSeconds(1));
    assertThat(read(Map.of("X-RateLimit-Remaining", "0", "X-RateLimit-Reset", "" + (NOW - 5))))
        .extracting(Hint::resetIn)
        .isEqualTo(Duration.ofSeconds(1));
    assertThat(read(Map.of("RateLimit", "remaining=0, reset=99999999")).resetIn())
        .isEqualTo(Duration.ofDays(1));
  }

  @Test
  void theLowestRemainingOfSeveralFieldsWins() {
    assertThat(
            read(Map.of("RateLimit", "remaining=9, reset=1", "X-RateLimit-Remaining", "3"))
                .remaining())
        .isEqualTo(3);
  }

  @Test
  void whatCannotBeReadIsIgnored() {
    assertThat(
            read(
                Map.of(
                    "RateLimit", "remaining=lots",
                    "X-RateLimit-Remaining", "soon",
                    "RateLimit-Policy", "q=0;w=60")))
        .isEqualTo(new Hint(-1, Duration.ofSeconds(1), RateLimit.NONE));
  }

  @Test
  void aLearnerCapsTheBudgetAndEnforcesAStricterPolicy() {
    ManualClock clock = new ManualClock();
    LocalRateBudget budget = new LocalRateBudget(RateLimit.parse("10/s"), clock);
    RateHeaders.Listener learner = RateHeaders.learner(budget, clock);

    learner.heard(Map.of("RateLimit-Policy", "5;w=1")::get);
    int allowed = 0;
    while (budget.take(RateBudget.Priority.REQUEST).join().allowed()) {
      allowed++;
    }

    assertThat(allowed).isEqualTo(5);
    assertThat(RateHeaders.isStricter(RateLimit.parse("20/s"), RateLimit.parse("10/s"))).isFalse();
  }

  private static Hint read(Map<String, String> fields) {
    return RateHeaders.read(fields::get, NOW);
  }
}
