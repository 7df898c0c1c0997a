package cachegate.engine;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.LongRange;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class FreshnessTest {
  private static final Instant STORED_AT = Instant.parse("2025-01-01T12:00:00Z");
  private static final Duration TTL = Duration.ofSeconds(30);
  private static final CachePolicy POLICY = new CachePolicy(TTL);

  @ParameterizedTest(name = "age {0} ms of a 30 s TTL -> {1}")
  @CsvSource({
    "0,     FRESH",
    "1,     FRESH",
    "15000, FRESH",
    "29999, FRESH",
    "30000, EXPIRED",
    "30001, EXPIRED",
    "60000, EXPIRED",
  })
  void entryIsFreshStrictlyBelowItsTtlAndExpiredFromItOn(long ageMillis, Freshness expected) {
    CachedResponse entry = entry(STORED_AT, TTL);
    Instant now = STORED_AT.plusMillis(ageMillis);

    Freshness freshness = Freshness.assess(entry, now, POLICY);

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
    CachePolicy policy = new CachePolicy(Duration.ofSeconds(policyTtlSeconds));
    Instant now = STORED_AT.plusSeconds(ageSeconds);

    Freshness freshness = Freshness.assess(entry, now, policy);

    assertThat(freshness).isEqualTo(expected);
  }

  @Test
  void loweringThePolicyTtlShortensTheRemainingLifetimeOfAStoredEntry() {
    CachedResponse entry = entry(STORED_AT, Duration.ofSeconds(60));
    CachePolicy lowered = new CachePolicy(Duration.ofSeconds(20));
    Instant now = STORED_AT.plusSeconds(5);

    Duration remaining = Freshness.remaining(entry, now, lowered);

    assertThat(remaining).isEqualTo(Duration.ofSeconds(15));
  }

  @ParameterizedTest(name = "age {0} ms -> {1} ms remaining")
  @CsvSource({"0, 30000", "10000, 20000", "29999, 1", "30000, 0", "30001, 0", "3600000, 0"})
  void remainingCountsDownToZeroAndStaysThere(long ageMillis, long remainingMillis) {
    CachedResponse entry = entry(STORED_AT, TTL);
    Instant now = STORED_AT.plusMillis(ageMillis);

    Duration remaining = Freshness.remaining(entry, now, POLICY);

    assertThat(remaining).isEqualTo(Duration.ofMillis(remainingMillis));
  }

  @Property
  void remainingIsNeverNegativeAndPositiveExactlyWhenFresh(
      @ForAll @LongRange(min = -86_400_000, max = 86_400_000) long ageMillis,
      @ForAll @LongRange(min = 1, max = 3_600_000) long entryTtlMillis,
      @ForAll @LongRange(min = 1, max = 3_600_000) long policyTtlMillis) {
    CachedResponse entry = entry(STORED_AT, Duration.ofMillis(entryTtlMillis));
    CachePolicy policy = new CachePolicy(Duration.ofMillis(policyTtlMillis));
    Instant now = STORED_AT.plusMillis(ageMillis);

    Duration remaining = Freshness.remaining(entry, now, policy);
    Freshness freshness = Freshness.assess(entry, now, policy);

    assertThat(remaining).isGreaterThanOrEqualTo(Duration.ZERO);
    assertThat(freshness == Freshness.FRESH).isEqualTo(remaining.compareTo(Duration.ZERO) > 0);
  }

  @Test
  void anEntryStoredInTheFutureHasAgeZeroAndIsFresh() {
    CachedResponse entry = entry(STORED_AT.plusSeconds(10), TTL);

    Duration age = entry.age(STORED_AT);
    Freshness freshness = Freshness.assess(entry, STORED_AT, POLICY);
    Duration remaining = Freshness.remaining(entry, STORED_AT, POLICY);

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

    CachedResponse otherStatus =
        new CachedResponse(203, base.contentType(), base.body(), STORED_AT, TTL);
    CachedResponse otherType = new CachedResponse(200, "text/plain", base.body(), STORED_AT, TTL);
    CachedResponse otherTime =
        new CachedResponse(200, base.contentType(), base.body(), STORED_AT.plusMillis(1), TTL);
    CachedResponse otherTtl =
        new CachedResponse(200, base.contentType(), base.body(), STORED_AT, TTL.plusMillis(1));

    assertThat(base).isNotEqualTo(otherStatus);
    assertThat(base).isNotEqualTo(otherType);
    assertThat(base).isNotEqualTo(otherTime);
    assertThat(base).isNotEqualTo(otherTtl);
  }

  private static CachedResponse entry(Instant storedAt, Duration ttl) {
    return new CachedResponse(
        200, "application/json", "[]".getBytes(StandardCharsets.UTF_8), storedAt, ttl);
  }

  private static CachedResponse response(byte[] body) {
    return new CachedResponse(200, "application/json", body, STORED_AT, TTL);
  }
}
