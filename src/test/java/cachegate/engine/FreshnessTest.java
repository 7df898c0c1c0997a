package cachegate.engine;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import net.jqwik.api.Assume;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.DoubleRange;
import net.jqwik.api.constraints.LongRange;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class FreshnessTest {
  private static final Instant STORED_AT = Instant.parse("2025-01-01T12:00:00Z");
  private static final Duration TTL = Duration.ofSeconds(30);
  private static final CachePolicy NO_STALE_WINDOWS = policy(30, 0, 0);

  @ParameterizedTest(name = "age {0} ms of a 30 s TTL, no stale windows -> {1}")
  @CsvSource({
    "0,     FRESH",
    "1,     FRESH",
    "15000, FRESH",
    "29999, FRESH",
    "30000, EXPIRED",
    "30001, EXPIRED",
    "60000, EXPIRED",
  })
  void withoutStaleWindowsAnEntryIsFreshStrictlyBelowItsTtlAndExpiredFromItOn(
      long ageMillis, Freshness expected) {
    CachedResponse entry = entry(STORED_AT, TTL);
    Instant now = STORED_AT.plusMillis(ageMillis);

    Freshness freshness = Freshness.assess(entry, now, NO_STALE_WINDOWS);

    assertThat(freshness).isEqualTo(expected);
  }

  @ParameterizedTest(name = "ttl 30 s, swr {0} s, sie {1} s, age {2} ms -> {3}")
  @CsvSource({
    // swr < sie: fresh, then stale-while-revalidate, then stale-if-error, then expired
    "60,  300, 29999,    FRESH",
    "60,  300, 30000,    STALE_REVALIDATE",
    "60,  300, 60000,    STALE_REVALIDATE",
    "60,  300, 89999,    STALE_REVALIDATE",
    "60,  300, 90000,    STALE_IF_ERROR",
    "60,  300, 200000,   STALE_IF_ERROR",
    "60,  300, 329999,   STALE_IF_ERROR",
    "60,  300, 330000,   EXPIRED",
    "60,  300, 86400000, EXPIRED",
    // swr > sie: the shorter stale-if-error window lies inside stale-while-revalidate
    "300, 60,  29999,    FRESH",
    "300, 60,  30000,    STALE_REVALIDATE",
    "300, 60,  90000,    STALE_REVALIDATE",
    "300, 60,  200000,   STALE_REVALIDATE",
    "300, 60,  329999,   STALE_REVALIDATE",
    "300, 60,  330000,   EXPIRED",
    "300, 60,  86400000, EXPIRED",
    // equal windows: stale-if-error is never reached
    "60,  60,  30000,    STALE_REVALIDATE",
    "60,  60,  89999,    STALE_REVALIDATE",
    "60,  60,  90000,    EXPIRED",
    // no stale-while-revalidate: straight to stale-if-error
    "0,   60,  29999,    FRESH",
    "0,   60,  30000,    STALE_IF_ERROR",
    "0,   60,  89999,    STALE_IF_ERROR",
    "0,   60,  90000,    EXPIRED",
    // no stale-if-error
    "60,  0,   29999,    FRESH",
    "60,  0,   30000,    STALE_REVALIDATE",
    "60,  0,   89999,    STALE_REVALIDATE",
    "60,  0,   90000,    EXPIRED",
    // no stale windows at all
    "0,   0,   29999,    FRESH",
    "0,   0,   30000,    EXPIRED",
  })
  void staleWindowsFollowTheFreshnessLifetimeAndEndExclusively(
      long swrSeconds, long sieSeconds, long ageMillis, Freshness expected) {
    CachedResponse entry = entry(STORED_AT, TTL);
    CachePolicy policy = policy(30, swrSeconds, sieSeconds);
    Instant now = STORED_AT.plusMillis(ageMillis);

    Freshness freshness = Freshness.assess(entry, now, policy);

    assertThat(freshness).isEqualTo(expected);
  }

  @ParameterizedTest(name = "entry ttl {0} s, policy ttl {1} s, age {2} s -> {3}")
  @CsvSource({
    "60, 30, 29, FRESH",
    "60, 30, 30, EXPIRED",
    "60, 30, 45, EXPIRED",
    "30, 60, 29, FRESH",
    "30, 60, 30, EXPIRED",
    "30, 60, 45, EXPIRED",
    "30, 30, 29, FRESH",
    "30, 30, 30, EXPIRED",
  })
  void theLowerOfEntryTtlAndPolicyTtlWins(
      long entryTtlSeconds, long policyTtlSeconds, long ageSeconds, Freshness expected) {
    CachedResponse entry = entry(STORED_AT, Duration.ofSeconds(entryTtlSeconds));
    CachePolicy policy = policy(policyTtlSeconds, 0, 0);
    Instant now = STORED_AT.plusSeconds(ageSeconds);

    Freshness freshness = Freshness.assess(entry, now, policy);

    assertThat(freshness).isEqualTo(expected);
  }

  @Test
  void staleWindowsAreCountedFromTheShorterPolicyTtl() {
    CachedResponse entry = entry(STORED_AT, Duration.ofSeconds(60));
    CachePolicy lowered = policy(20, 10, 0);

    Freshness justStale = Freshness.assess(entry, STORED_AT.plusSeconds(20), lowered);
    Freshness pastTheWindow = Freshness.assess(entry, STORED_AT.plusSeconds(30), lowered);

    assertThat(justStale).isEqualTo(Freshness.STALE_REVALIDATE);
    assertThat(pastTheWindow).isEqualTo(Freshness.EXPIRED);
  }

  @Test
  void loweringThePolicyTtlShortensTheRemainingLifetimeOfAStoredEntry() {
    CachedResponse entry = entry(STORED_AT, Duration.ofSeconds(60));
    CachePolicy lowered = CachePolicy.ofTtl(Duration.ofSeconds(20));
    Instant now = STORED_AT.plusSeconds(5);

    Duration remaining = Freshness.remaining(entry, now, lowered);

    assertThat(remaining).isEqualTo(Duration.ofSeconds(15));
  }

  @ParameterizedTest(name = "age {0} ms -> {1} ms remaining")
  @CsvSource({
    "0,       30000",
    "10000,   20000",
    "29999,   1",
    "30000,   0",
    "30001,   -1",
    "45000,   -15000",
    "3600000, -3570000",
  })
  void remainingCountsDownThroughZeroAndIsNegativeOnceStale(long ageMillis, long remainingMillis) {
    CachedResponse entry = entry(STORED_AT, TTL);
    Instant now = STORED_AT.plusMillis(ageMillis);

    Duration remaining = Freshness.remaining(entry, now, CachePolicy.ofTtl(TTL));

    assertThat(remaining).isEqualTo(Duration.ofMillis(remainingMillis));
  }

  @Property
  void remainingIsLifetimeLessAgeAndPositiveExactlyWhenFresh(
      @ForAll @LongRange(min = -86_400_000, max = 86_400_000) long ageMillis,
      @ForAll @LongRange(min = 1, max = 3_600_000) long entryTtlMillis,
      @ForAll @LongRange(min = 1, max = 3_600_000) long policyTtlMillis,
      @ForAll @LongRange(min = 0, max = 3_600_000) long swrMillis,
      @ForAll @LongRange(min = 0, max = 3_600_000) long sieMillis) {
    CachedResponse entry = entry(STORED_AT, Duration.ofMillis(entryTtlMillis));
    CachePolicy policy =
        new CachePolicy(
            Duration.ofMillis(policyTtlMillis),
            Duration.ofMillis(swrMillis),
            Duration.ofMillis(sieMillis),
            0,
            CachePolicy.DEFAULT_MAX_ENTRY_BYTES);
    Instant now = STORED_AT.plusMillis(ageMillis);

    Duration remaining = Freshness.remaining(entry, now, policy);
    Freshness freshness = Freshness.assess(entry, now, policy);

    long lifetime = Math.min(entryTtlMillis, policyTtlMillis);
    assertThat(remaining).isEqualTo(Duration.ofMillis(lifetime - Math.max(0, ageMillis)));
    assertThat(freshness == Freshness.FRESH).isEqualTo(remaining.compareTo(Duration.ZERO) > 0);
  }

  @Property
  void theFreshnessLeftThatOperatorsSeeIsWhatServingAssesses(
      @ForAll @LongRange(min = -86_400_000, max = 86_400_000) long ageMillis,
      @ForAll @LongRange(min = 1, max = 3_600_000) long entryTtlMillis,
      @ForAll @LongRange(min = 1, max = 3_600_000) long policyTtlMillis) {
    CachedResponse entry = entry(STORED_AT, Duration.ofMillis(entryTtlMillis));
    EntryCatalog.EntryInfo described =
        new EntryCatalog.EntryInfo(
            "k",
            2,
            entry.storedAt(),
            entry.ttl(),
            entry.status(),
            Optional.of(Duration.ofHours(1)));
    CachePolicy policy = CachePolicy.ofTtl(Duration.ofMillis(policyTtlMillis));
    Instant now = STORED_AT.plusMillis(ageMillis);

    Duration shown = described.freshnessLeft(now, policy);

    assertThat(shown).isEqualTo(Freshness.remaining(entry, now, policy));
  }

  @Property
  void nothingIsUsableAfterTheTtlPlusTheLargerStaleWindow(
      @ForAll @LongRange(min = 0, max = 86_400_000) long pastRetentionMillis,
      @ForAll @LongRange(min = 0, max = 3_600_000) long swrMillis,
      @ForAll @LongRange(min = 0, max = 3_600_000) long sieMillis) {
    CachePolicy policy =
        new CachePolicy(
            TTL,
            Duration.ofMillis(swrMillis),
            Duration.ofMillis(sieMillis),
            0,
            CachePolicy.DEFAULT_MAX_ENTRY_BYTES);
    CachedResponse entry = entry(STORED_AT, TTL);
    Instant now = STORED_AT.plus(policy.retention()).plusMillis(pastRetentionMillis);

    Freshness freshness = Freshness.assess(entry, now, policy);

    assertThat(freshness).isEqualTo(Freshness.EXPIRED);
  }

  @Test
  void anEntryStoredInTheFutureHasAgeZeroAndIsFresh() {
    CachedResponse entry = entry(STORED_AT.plusSeconds(10), TTL);

    Duration age = entry.age(STORED_AT);
    Freshness freshness = Freshness.assess(entry, STORED_AT, NO_STALE_WINDOWS);
    Duration remaining = Freshness.remaining(entry, STORED_AT, NO_STALE_WINDOWS);

    assertThat(age).isZero();
    assertThat(freshness).isEqualTo(Freshness.FRESH);
    assertThat(remaining).isEqualTo(TTL);
  }

  @Property
  void ageIsNeverNegative(@ForAll @LongRange(min = -86_400_000, max = 86_400_000) long offset) {
    CachedResponse entry = entry(STORED_AT, TTL);

    Duration age = entry.age(STORED_AT.plusMillis(offset));

    assertThat(age).isGreaterThanOrEqualTo(Duration.ZERO);
    assertThat(age).isEqualTo(Duration.ofMillis(Math.max(0, offset)));
  }

  @ParameterizedTest(name = "age {0} s, u = {1} -> {2}")
  @CsvSource({
    "0,  1.0,     false",
    "0,  0.5,     false",
    "0,  1.0E-300, false",
    "29, 1.0E-300, false",
    "30, 1.0,     true",
    "30, 1.0E-300, true",
    "90, 0.5,     true",
  })
  void withoutAFetchTimeAnEntryIsRefreshedOnlyOnceItsLifetimeIsOver(
      long ageSeconds, double uniform, boolean expected) {
    CachedResponse entry = entry(STORED_AT, TTL, Duration.ZERO);
    Instant now = STORED_AT.plusSeconds(ageSeconds);

    boolean refresh = Freshness.refreshEarly(entry, now, NO_STALE_WINDOWS, uniform);

    assertThat(refresh).isEqualTo(expected);
  }

  @Property
  void atOrAfterItsLifetimeAnEntryIsAlwaysRefreshed(
      @ForAll @LongRange(min = 0, max = 86_400_000) long pastLifetimeMillis,
      @ForAll @LongRange(min = 0, max = 60_000) long fetchTimeMillis,
      @ForAll @DoubleRange(min = 0, minIncluded = false, max = 1) double uniform) {
    CachedResponse entry = entry(STORED_AT, TTL, Duration.ofMillis(fetchTimeMillis));
    Instant now = STORED_AT.plus(TTL).plusMillis(pastLifetimeMillis);

    boolean refresh = Freshness.refreshEarly(entry, now, NO_STALE_WINDOWS, uniform);

    assertThat(refresh).isTrue();
  }

  @Property
  void withUniformOneTheDecisionIsExactlyAgeAtLeastLifetime(
      @ForAll @LongRange(min = -60_000, max = 120_000) long ageMillis,
      @ForAll @LongRange(min = 0, max = 3_600_000) long fetchTimeMillis) {
    CachedResponse entry = entry(STORED_AT, TTL, Duration.ofMillis(fetchTimeMillis));
    Instant now = STORED_AT.plusMillis(ageMillis);

    boolean refresh = Freshness.refreshEarly(entry, now, NO_STALE_WINDOWS, 1.0);

    assertThat(refresh).isEqualTo(ageMillis >= TTL.toMillis());
  }

  @ParameterizedTest(name = "age {0} s, fetch time 5 s, u = e^-2 -> {1}")
  @CsvSource({"0, false", "15, false", "19, false", "21, true", "25, true", "29, true"})
  void aSlowFetchAndASmallRandomNumberRefreshAFreshEntryEarly(long ageSeconds, boolean expected) {
    CachedResponse entry = entry(STORED_AT, TTL, Duration.ofSeconds(5));
    Instant now = STORED_AT.plusSeconds(ageSeconds);
    double uniform = Math.exp(-2);

    boolean refresh = Freshness.refreshEarly(entry, now, NO_STALE_WINDOWS, uniform);

    assertThat(refresh).isEqualTo(expected);
    assertThat(Freshness.assess(entry, now, NO_STALE_WINDOWS)).isEqualTo(Freshness.FRESH);
  }

  @Property
  void earlyRefreshIsMonotonicInAge(
      @ForAll @LongRange(min = 0, max = 120_000) long youngerMillis,
      @ForAll @LongRange(min = 0, max = 120_000) long olderMillis,
      @ForAll @LongRange(min = 0, max = 60_000) long fetchTimeMillis,
      @ForAll @DoubleRange(min = 0, minIncluded = false, max = 1) double uniform) {
    Assume.that(youngerMillis <= olderMillis);
    CachedResponse entry = entry(STORED_AT, TTL, Duration.ofMillis(fetchTimeMillis));

    boolean younger =
        Freshness.refreshEarly(
            entry, STORED_AT.plusMillis(youngerMillis), NO_STALE_WINDOWS, uniform);
    boolean older =
        Freshness.refreshEarly(entry, STORED_AT.plusMillis(olderMillis), NO_STALE_WINDOWS, uniform);

    assertThat(!younger || older)
        .as("refreshed when younger implies refreshed when older")
        .isTrue();
  }

  @Test
  void cachedResponsesWithEqualBodyBytesAreEqualAndHashAlike() {
    CachedResponse first = response("[{\"name\":\"TU Berlin\"}]".getBytes(StandardCharsets.UTF_8));
    CachedResponse second = response("[{\"name\":\"TU Berlin\"}]".getBytes(StandardCharsets.UTF_8));

    boolean equal = first.equals(second);

    assertThat(first.body()).isNotSameAs(second.body());
    assertThat(equal).isTrue();
    assertThat(first).hasSameHashCodeAs(second);
  }

  @Test
  void cachedResponsesWithDifferentBodyBytesAreNotEqual() {
    CachedResponse first = response(new byte[] {1, 2, 3});
    CachedResponse second = response(new byte[] {1, 2, 4});

    boolean equal = first.equals(second);

    assertThat(equal).isFalse();
  }

  @Test
  void cachedResponsesDifferingOnlyInMetadataAreNotEqual() {
    CachedResponse base = entry(STORED_AT, TTL);
    ResponseBody body = base.body();
    String type = base.contentType();

    CachedResponse otherStatus = new CachedResponse(203, type, body, STORED_AT, TTL, Duration.ZERO);
    CachedResponse otherType =
        new CachedResponse(200, "text/plain", body, STORED_AT, TTL, Duration.ZERO);
    CachedResponse otherTime =
        new CachedResponse(200, type, body, STORED_AT.plusMillis(1), TTL, Duration.ZERO);
    CachedResponse otherTtl =
        new CachedResponse(200, type, body, STORED_AT, TTL.plusMillis(1), Duration.ZERO);
    CachedResponse otherFetchTime =
        new CachedResponse(200, type, body, STORED_AT, TTL, Duration.ofMillis(1));

    assertThat(base).isNotEqualTo(otherStatus);
    assertThat(base).isNotEqualTo(otherType);
    assertThat(base).isNotEqualTo(otherTime);
    assertThat(base).isNotEqualTo(otherTtl);
    assertThat(base).isNotEqualTo(otherFetchTime);
  }

  private static CachePolicy policy(long ttlSeconds, long swrSeconds, long sieSeconds) {
    return new CachePolicy(
        Duration.ofSeconds(ttlSeconds),
        Duration.ofSeconds(swrSeconds),
        Duration.ofSeconds(sieSeconds),
        0,
        CachePolicy.DEFAULT_MAX_ENTRY_BYTES);
  }

  private static CachedResponse entry(Instant storedAt, Duration ttl) {
    return new CachedResponse(
        200, "application/json", "[]".getBytes(StandardCharsets.UTF_8), storedAt, ttl);
  }

  private static CachedResponse entry(Instant storedAt, Duration ttl, Duration fetchTime) {
    return new CachedResponse(
        200,
        "application/json",
        ResponseBody.of("[]".getBytes(StandardCharsets.UTF_8)),
        storedAt,
        ttl,
        fetchTime);
  }

  @ParameterizedTest(name = "a 404 stored for 60 s under a 30 s route TTL, age {0} s -> {1}")
  @CsvSource({
    "0,  FRESH",
    "30, FRESH",
    "59, FRESH",
    "60, EXPIRED",
  })
  void a404IsAssessedWithItsOwnStatusTtlNotTheRouteTtl(long ageSeconds, Freshness expected) {
    CachedResponse notFound = withStatus(404, Duration.ofSeconds(60));

    Freshness freshness =
        Freshness.assess(notFound, STORED_AT.plusSeconds(ageSeconds), NO_STALE_WINDOWS);

    assertThat(NO_STALE_WINDOWS.ttlFor(404)).contains(Duration.ofSeconds(60));
    assertThat(freshness).isEqualTo(expected);
  }

  @Test
  void loweringAStatusTtlTakesEffectForEntriesAlreadyStored() {
    CachedResponse notFound = withStatus(404, Duration.ofSeconds(60));
    CachePolicy lowered = NO_STALE_WINDOWS.withStatusTtls(Map.of(404, Duration.ofSeconds(10)));

    Freshness freshness = Freshness.assess(notFound, STORED_AT.plusSeconds(10), lowered);

    assertThat(freshness).isEqualTo(Freshness.EXPIRED);
    assertThat(Freshness.remaining(notFound, STORED_AT.plusSeconds(4), lowered))
        .isEqualTo(Duration.ofSeconds(6));
  }

  @Test
  void anEntryOfAStatusThePolicyNoLongerCachesIsNotFresh() {
    CachedResponse notFound = withStatus(404, Duration.ofSeconds(60));
    CachePolicy none = policy(30, 60, 0).withStatusTtls(Map.of());

    Freshness freshness = Freshness.assess(notFound, STORED_AT, none);

    assertThat(freshness).isEqualTo(Freshness.STALE_REVALIDATE);
  }

  @Test
  void theFreshnessLeftThatOperatorsSeeOfA404UsesItsStatusTtl() {
    CachedResponse notFound = withStatus(410, Duration.ofSeconds(60));
    EntryCatalog.EntryInfo described =
        new EntryCatalog.EntryInfo(
            "k", 2, STORED_AT, notFound.ttl(), notFound.status(), Optional.empty());

    Duration shown = described.freshnessLeft(STORED_AT.plusSeconds(45), NO_STALE_WINDOWS);

    assertThat(shown).isEqualTo(Duration.ofSeconds(15));
  }

  private static CachedResponse withStatus(int status, Duration ttl) {
    return new CachedResponse(
        status, "application/json", "{}".getBytes(StandardCharsets.UTF_8), STORED_AT, ttl);
  }

  private static CachedResponse response(byte[] body) {
    return new CachedResponse(200, "application/json", body, STORED_AT, TTL);
  }
}
