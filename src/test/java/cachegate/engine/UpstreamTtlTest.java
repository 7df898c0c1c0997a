package cachegate.engine;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/** The freshness lifetime a route that takes it from the upstream gives an answer. */
class UpstreamTtlTest {
  private static final Instant NOW = Instant.parse("2026-01-15T10:00:00Z");
  private static final String DATE = "Thu, 15 Jan 2026 10:00:00 GMT";
  private static final Duration ROUTE = Duration.ofSeconds(30);
  private static final Duration MAX = Duration.ofHours(1);

  private static Duration ttl(String cacheControl, String expires, String date) {
    return UpstreamTtl.of(cacheControl, expires, date, NOW, ROUTE, MAX);
  }

  @Test
  void withoutFreshnessHeadersTheRoutesTtlApplies() {
    assertThat(ttl("", "", "")).isEqualTo(ROUTE);
    assertThat(ttl("public, must-revalidate", "", DATE)).isEqualTo(ROUTE);
  }

  @Test
  void maxAgeGivesTheLifetime() {
    assertThat(ttl("max-age=120", "", "")).isEqualTo(Duration.ofSeconds(120));
    assertThat(ttl("public, MAX-AGE=\"300\"", "", "")).isEqualTo(Duration.ofSeconds(300));
  }

  @Test
  void sMaxAgeWinsOverMaxAgeForASharedCache() {
    assertThat(ttl("max-age=60, s-maxage=600", "", "")).isEqualTo(Duration.ofSeconds(600));
    assertThat(ttl("s-maxage=5,max-age=60", "", "")).isEqualTo(Duration.ofSeconds(5));
  }

  @Test
  void maxAgeWinsOverExpires() {
    assertThat(ttl("max-age=60", "Thu, 15 Jan 2026 11:00:00 GMT", DATE))
        .isEqualTo(Duration.ofSeconds(60));
  }

  @Test
  void expiresCountsFromTheUpstreamsDate() {
    assertThat(ttl("", "Thu, 15 Jan 2026 10:05:00 GMT", "Thu, 15 Jan 2026 10:00:00 GMT"))
        .isEqualTo(Duration.ofMinutes(5));
    // The upstream's clock runs an hour ahead: its Date, not ours, is the start.
    assertThat(ttl("", "Thu, 15 Jan 2026 11:02:00 GMT", "Thu, 15 Jan 2026 11:00:00 GMT"))
        .isEqualTo(Duration.ofMinutes(2));
  }

  @Test
  void expiresWithoutAValidDateCountsFromReceipt() {
    assertThat(ttl("", "Thu, 15 Jan 2026 10:10:00 GMT", "")).isEqualTo(Duration.ofMinutes(10));
    assertThat(ttl("", "Thu, 15 Jan 2026 10:10:00 GMT", "yesterday"))
        .isEqualTo(Duration.ofMinutes(10));
  }

  @Test
  void anExpiresInThePastOrInvalidMeansNotToKeep() {
    assertThat(ttl("", "Thu, 15 Jan 2026 09:00:00 GMT", DATE)).isZero();
    assertThat(ttl("", "0", DATE)).isZero();
    assertThat(ttl("", "-1", "")).isZero();
  }

  @Test
  void noCacheAndAZeroMaxAgeMeanNotToKeep() {
    assertThat(ttl("no-cache", "", "")).isZero();
    assertThat(ttl("max-age=600, no-cache", "", "")).isZero();
    assertThat(ttl("max-age=0", "", "")).isZero();
    assertThat(ttl("s-maxage=0, max-age=600", "", "")).isZero();
  }

  @Test
  void theRoutesMaximumCapsEveryLifetime() {
    assertThat(ttl("max-age=86400", "", "")).isEqualTo(MAX);
    assertThat(ttl("s-maxage=99999999999999999999", "", "")).isEqualTo(MAX);
    assertThat(ttl("", "Fri, 15 Jan 2027 10:00:00 GMT", DATE)).isEqualTo(MAX);
    assertThat(UpstreamTtl.of("", "", "", NOW, Duration.ofHours(2), MAX)).isEqualTo(MAX);
  }

  @Test
  void anInvalidMaxAgeIsIgnored() {
    assertThat(ttl("max-age=soon", "", "")).isEqualTo(ROUTE);
    assertThat(ttl("max-age=-5", "Thu, 15 Jan 2026 10:01:00 GMT", DATE))
        .isEqualTo(Duration.ofMinutes(1));
    assertThat(ttl("max-age=", "", "")).isEqualTo(ROUTE);
    assertThat(ttl("s-maxage=1.5, max-age=90", "", "")).isEqualTo(Duration.ofSeconds(90));
  }

  @Test
  void aDirectiveNamedLikeAnotherIsNotIt() {
    assertThat(ttl("x-max-age=5, no-cache-please", "", "")).isEqualTo(ROUTE);
  }
}
