package cachegate.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import cachegate.engine.ManualClock;
import cachegate.support.GatewayUnderTest;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.junit.jupiter.api.Test;

/** RFC 5861 over HTTP: stale-while-revalidate and stale-if-error, with the clock advanced. */
class StaleServingIT extends RedisAndUpstream {
  private static final String GERMANY = "/universities?country=Germany";
  private static final String GERMANY_KEY = "cachegate:v2:{universities:country=germany}";
  private static final JsonObject NEW_UNIVERSITY =
      new JsonObject().put("name", "Universität der Zukunft").put("country", "Germany");

  private final ManualClock clock = new ManualClock();

  @Test
  void withinStaleWhileRevalidateTheOldAnswerIsServedAtOnceAndRefreshedOnce() {
    GatewayUnderTest gateway = gateway(clock);
    String old = gateway.get(GERMANY).body();
    upstream.appendToEveryAnswer(NEW_UNIVERSITY).slow(Duration.ofMillis(500));
    clock.advance(Duration.ofSeconds(45));

    List<HttpResponse<String>> during = gateway.getConcurrently(GERMANY, 20);

    assertThat(during)
        .allSatisfy(
            answer -> {
              assertThat(answer.headers().firstValue("X-Cache")).hasValue("STALE");
              assertThat(answer.headers().firstValue("Age")).hasValue("45");
              assertThat(answer.headers().firstValue("Cache-Status").orElseThrow())
                  .startsWith("cachegate; hit; ttl=-15;");
              assertThat(answer.body()).isEqualTo(old);
            });
    await().atMost(Duration.ofSeconds(10)).until(() -> hit(gateway).equals("HIT"));
    HttpResponse<String> after = gateway.get(GERMANY);
    assertThat(new JsonArray(after.body())).contains(NEW_UNIVERSITY);
    assertThat(upstream.requests()).isEqualTo(2);
  }

  @Test
  void upstreamFailureWithinStaleIfErrorServesTheEntryAndKeepsIt() {
    GatewayUnderTest gateway = gateway(clock);
    String old = gateway.get(GERMANY).body();
    String stored = await().until(() -> redis.get(GERMANY_KEY), Objects::nonNull);
    upstream.failWith(503);
    clock.advance(Duration.ofHours(2));

    HttpResponse<String> answer = gateway.get(GERMANY);

    assertThat(answer.statusCode()).isEqualTo(200);
    assertThat(answer.body()).isEqualTo(old);
    assertThat(answer.headers().firstValue("X-Cache")).hasValue("STALE-IF-ERROR");
    assertThat(answer.headers().firstValue("Cache-Status"))
        .hasValue(
            "cachegate; fwd=stale; fwd-status=503; ttl=-7170; detail=stale-if-error; key=\""
                + GERMANY_KEY
                + "\"");
    assertThat(redis.get(GERMANY_KEY))
        .as("the failure did not overwrite the entry")
        .isEqualTo(stored);
  }

  @Test
  void upstreamAnswerThatIsNotJsonNeverReplacesAGoodEntry() {
    GatewayUnderTest gateway = gateway(clock);
    String old = gateway.get(GERMANY).body();
    upstream.garble("<html>oops</html>");
    clock.advance(Duration.ofMinutes(5));

    HttpResponse<String> answer = gateway.get(GERMANY);

    assertThat(answer.headers().firstValue("X-Cache")).hasValue("STALE-IF-ERROR");
    assertThat(answer.body()).isEqualTo(old);
  }

  @Test
  void unreachableOrSlowUpstreamWithinStaleIfErrorServesTheEntry() {
    GatewayUnderTest gateway = gateway(clock, Map.of("UPSTREAM_TIMEOUT", "0.3"));
    gateway.get(GERMANY);
    upstream.slow(Duration.ofSeconds(2));
    clock.advance(Duration.ofMinutes(5));

    HttpResponse<String> answer = gateway.get(GERMANY);

    assertThat(answer.statusCode()).isEqualTo(200);
    assertThat(answer.headers().firstValue("X-Cache")).hasValue("STALE-IF-ERROR");
    assertThat(answer.headers().firstValue("Cache-Status").orElseThrow())
        .doesNotContain("fwd-status");
  }

  @Test
  void pastStaleIfErrorTheUpstreamErrorIsReturned() {
    GatewayUnderTest gateway = gateway(clock);
    gateway.get(GERMANY);
    upstream.failWith(500);
    clock.advance(Duration.ofDays(1).plusMinutes(1));

    HttpResponse<String> answer = gateway.get(GERMANY);

    assertThat(answer.statusCode()).isEqualTo(502);
  }

  @Test
  void withoutStaleWindowsAnExpiredEntryIsNeverServed() {
    GatewayUnderTest gateway =
        gateway(clock, Map.of("CACHE_STALE_WHILE_REVALIDATE", "0", "CACHE_STALE_IF_ERROR", "0"));
    gateway.get(GERMANY);
    upstream.failWith(503);
    clock.advance(Duration.ofSeconds(31));

    HttpResponse<String> answer = gateway.get(GERMANY);

    assertThat(answer.statusCode()).isEqualTo(502);
  }

  private static String hit(GatewayUnderTest gateway) {
    return gateway.get(GERMANY).headers().firstValue("X-Cache").orElseThrow();
  }
}
