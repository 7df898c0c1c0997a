package cachegate.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import cachegate.engine.ManualClock;
import cachegate.support.GatewayUnderTest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * End to end over HTTP with a real Redis: a route set to take its TTL from the upstream ({@code
 * CACHE_TTL_FROM=upstream}) keeps an answer as long as its {@code s-maxage}, {@code max-age} or
 * {@code Expires} says, at most {@code CACHE_MAX_TTL}, else its own TTL; {@code no-store} answers
 * are not kept; the route's TTL alone applies by default.
 */
class UpstreamFreshnessIT extends RedisAndUpstream {
  private final ManualClock clock = new ManualClock();

  private GatewayUnderTest fromUpstream() {
    return gateway(clock, Map.of("CACHE_TTL_FROM", "upstream", "CACHE_MAX_TTL", "600"));
  }

  private static String cacheStatus(HttpResponse<String> answer) {
    return answer.headers().firstValue("Cache-Status").orElseThrow();
  }

  @Test
  void maxAgeKeepsTheAnswerFreshForThatLong() {
    upstream.withHeader("Cache-Control", "public, max-age=120");
    GatewayUnderTest gateway = fromUpstream();

    HttpResponse<String> miss = gateway.get("/universities?country=Chile");
    clock.advance(Duration.ofSeconds(100));
    HttpResponse<String> hit = gateway.get("/universities?country=Chile");
    clock.advance(Duration.ofSeconds(30));
    HttpResponse<String> stale = gateway.get("/universities?country=Chile");

    assertThat(cacheStatus(miss)).contains("stored; ttl=120;");
    assertThat(hit.headers().firstValue("X-Cache")).hasValue("HIT");
    assertThat(stale.headers().firstValue("X-Cache")).hasValue("STALE");
  }

  @Test
  void sMaxAgeWinsOverMaxAge() {
    upstream.withHeader("Cache-Control", "max-age=10, s-maxage=300");

    HttpResponse<String> miss = fromUpstream().get("/universities?country=Chile");

    assertThat(cacheStatus(miss)).contains("stored; ttl=300;");
  }

  @Test
  void expiresCountsFromTheUpstreamsDate() {
    // The fake upstream's server sets Date to its own clock, which is not the gateway's.
    upstream.withHeader(
        "Expires",
        DateTimeFormatter.RFC_1123_DATE_TIME.format(
            ZonedDateTime.now(ZoneOffset.UTC).plusSeconds(240)));

    HttpResponse<String> miss = fromUpstream().get("/universities?country=Chile");

    // 240 s less the time between making the header and the upstream's answer (its Date).
    assertThat(cacheStatus(miss)).containsPattern("stored; ttl=(1[89]\\d|2[0-3]\\d|240);");
  }

  @Test
  void theRoutesMaximumCapsTheUpstreamsLifetime() {
    upstream.withHeader("Cache-Control", "max-age=86400");
    GatewayUnderTest gateway = fromUpstream();

    HttpResponse<String> miss = gateway.get("/universities?country=Chile");
    clock.advance(Duration.ofSeconds(601));
    HttpResponse<String> later = gateway.get("/universities?country=Chile");

    assertThat(cacheStatus(miss)).contains("stored; ttl=600;");
    assertThat(later.headers().firstValue("X-Cache")).isNotEqualTo(java.util.Optional.of("HIT"));
  }

  @Test
  void withoutFreshnessHeadersTheRoutesTtlApplies() {
    HttpResponse<String> miss = fromUpstream().get("/universities?country=Chile");

    assertThat(cacheStatus(miss)).contains("stored; ttl=30;");
  }

  @Test
  void noStoreAndNoCacheAnswersAreNotKept() {
    GatewayUnderTest gateway = fromUpstream();
    upstream.withHeader("Cache-Control", "no-store");
    HttpResponse<String> noStore = gateway.get("/universities?country=Chile");
    upstream.withHeader("Cache-Control", "no-cache");
    HttpResponse<String> noCache = gateway.get("/universities?country=Peru");

    gateway.get("/universities?country=Chile");
    gateway.get("/universities?country=Peru");

    assertThat(noStore.statusCode()).isEqualTo(200);
    assertThat(cacheStatus(noStore)).doesNotContain("stored");
    assertThat(cacheStatus(noCache)).doesNotContain("stored");
    assertThat(redis.keys(ENTRIES)).isEmpty();
    assertThat(upstream.requests()).isEqualTo(4);
  }

  @Test
  void byDefaultTheRoutesTtlAppliesWhateverTheUpstreamSays() {
    upstream.withHeader("Cache-Control", "max-age=120");

    HttpResponse<String> miss = gateway(clock).get("/universities?country=Chile");

    assertThat(cacheStatus(miss)).contains("stored; ttl=30;");
  }
}
