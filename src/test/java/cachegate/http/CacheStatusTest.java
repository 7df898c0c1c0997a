package cachegate.http;

import static org.assertj.core.api.Assertions.assertThat;

import cachegate.engine.CacheKey;
import cachegate.engine.CacheOutcome;
import cachegate.engine.CacheResult;
import cachegate.engine.CachedResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class CacheStatusTest {
  private static final CacheKey GERMANY =
      new CacheKey("cachegate", "universities", Map.of("country", "germany"));
  private static final String KEY = "key=\"cachegate:v2:{universities:country=germany}\"";
  private static final CachedResponse ENTRY =
      new CachedResponse(
          200,
          "application/json",
          "[]".getBytes(StandardCharsets.UTF_8),
          Instant.parse("2025-01-01T00:00:00Z"),
          Duration.ofSeconds(30));

  @Test
  void aHitIsAHitWithTheFreshnessLeft() {
    CacheResult hit = result(CacheOutcome.HIT, Duration.ofSeconds(18), false, false, none());

    String header = CacheStatus.of(hit);

    assertThat(header).isEqualTo("cachegate; hit; ttl=18; " + KEY);
  }

  @Test
  void aStaleAnswerServedWhileRevalidatingIsAHitWithANegativeTtl() {
    CacheResult stale = result(CacheOutcome.STALE, Duration.ofSeconds(-15), false, false, none());

    String header = CacheStatus.of(stale);

    assertThat(header).isEqualTo("cachegate; hit; ttl=-15; " + KEY);
  }

  @Test
  void aStoredMissWentForwardForAUriMiss() {
    CacheResult miss = result(CacheOutcome.MISS, Duration.ofSeconds(30), true, false, of(200));

    String header = CacheStatus.of(miss);

    assertThat(header).isEqualTo("cachegate; fwd=uri-miss; fwd-status=200; stored; ttl=30; " + KEY);
  }

  @Test
  void aMissCollapsedIntoAnotherRequestsFetchSaysSo() {
    CacheResult joined = result(CacheOutcome.MISS, Duration.ofSeconds(30), false, true, of(200));

    String header = CacheStatus.of(joined);

    assertThat(header).isEqualTo("cachegate; fwd=uri-miss; fwd-status=200; collapsed; " + KEY);
  }

  @Test
  void aMissThatWasNotStoredHasNoTtl() {
    CacheResult uncached = result(CacheOutcome.MISS, Duration.ofSeconds(30), false, false, of(200));

    String header = CacheStatus.of(uncached);

    assertThat(header).isEqualTo("cachegate; fwd=uri-miss; fwd-status=200; " + KEY);
  }

  @Test
  void aRevalidatedAnswerWentForwardBecauseTheEntryWasStale() {
    CacheResult revalidated =
        result(CacheOutcome.REVALIDATED, Duration.ofSeconds(30), true, false, of(200));

    String header = CacheStatus.of(revalidated);

    assertThat(header).isEqualTo("cachegate; fwd=stale; fwd-status=200; stored; ttl=30; " + KEY);
  }

  @Test
  void aStaleIfErrorAnswerCarriesTheUpstreamStatusAndADetail() {
    CacheResult fallback =
        result(CacheOutcome.STALE_IF_ERROR, Duration.ofSeconds(-70), false, false, of(503));

    String header = CacheStatus.of(fallback);

    assertThat(header)
        .isEqualTo("cachegate; fwd=stale; fwd-status=503; ttl=-70; detail=stale-if-error; " + KEY);
  }

  @Test
  void aStaleIfErrorAnswerForAnUnreachableUpstreamHasNoForwardStatus() {
    CacheResult fallback =
        result(CacheOutcome.STALE_IF_ERROR, Duration.ofSeconds(-70), false, false, none());

    String header = CacheStatus.of(fallback);

    assertThat(header).isEqualTo("cachegate; fwd=stale; ttl=-70; detail=stale-if-error; " + KEY);
  }

  @ParameterizedTest(name = "{0} ms -> ttl={1}")
  @CsvSource({"18999, 18", "1, 0", "0, 0", "-1, -1", "-1500, -2"})
  void theTtlIsAWholeNumberOfSecondsRoundedDown(long millis, long seconds) {
    CacheResult hit = result(CacheOutcome.HIT, Duration.ofMillis(millis), false, false, none());

    String header = CacheStatus.of(hit);

    assertThat(header).isEqualTo("cachegate; hit; ttl=" + seconds + "; " + KEY);
  }

  @Test
  void quotesAndBackslashesInTheKeyAreEscaped() {
    CacheKey odd = new CacheKey("a\"b\\c", "universities", Map.of("country", "germany"));
    CacheResult hit =
        new CacheResult(
            ENTRY,
            CacheOutcome.HIT,
            odd,
            Duration.ZERO,
            Duration.ofSeconds(30),
            false,
            false,
            none(),
            List.of());

    String header = CacheStatus.of(hit);

    assertThat(header)
        .isEqualTo("cachegate; hit; ttl=30; key=\"a\\\"b\\\\c:v2:{universities:country=germany}\"");
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource({"HIT", "MISS", "STALE", "REVALIDATED", "STALE_IF_ERROR"})
  void everyHeaderIsAStructuredFieldListMemberWithParameters(CacheOutcome outcome) {
    CacheResult result = result(outcome, Duration.ofSeconds(-3), true, true, of(200));

    String header = CacheStatus.of(result);

    // RFC 8941 §3.1.2: a token, then "; key[=bare-item]" parameters; bare items here are
    // tokens, integers or strings.
    assertThat(header)
        .matches(
            "cachegate(; [a-z*][a-z0-9_.*-]*(=(-?[0-9]{1,15}|[A-Za-z*][!#$%&'*+.^_`|~0-9A-Za-z:/-]*"
                + "|\"([\\x20-\\x21\\x23-\\x5B\\x5D-\\x7E]|\\\\[\"\\\\])*\"))?)*");
  }

  private static CacheResult result(
      CacheOutcome outcome,
      Duration ttl,
      boolean stored,
      boolean collapsed,
      OptionalInt forwardStatus) {
    return new CacheResult(
        ENTRY, outcome, GERMANY, Duration.ZERO, ttl, stored, collapsed, forwardStatus, List.of());
  }

  private static OptionalInt of(int status) {
    return OptionalInt.of(status);
  }

  private static OptionalInt none() {
    return OptionalInt.empty();
  }
}
