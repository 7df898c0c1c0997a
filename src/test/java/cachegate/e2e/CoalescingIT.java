package cachegate.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import cachegate.engine.ManualClock;
import cachegate.support.GatewayUnderTest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/** One upstream call per key, with real concurrent clients, in one instance and across three. */
class CoalescingIT extends RedisAndUpstream {
  private static final String GERMANY = "/universities?country=Germany";

  private final ManualClock clock = new ManualClock();

  @Test
  void twoHundredConcurrentRequestsOnAColdKeyCallTheUpstreamOnce() {
    GatewayUnderTest gateway = gateway(clock);
    upstream.slow(Duration.ofMillis(300));

    List<HttpResponse<String>> answers = gateway.getConcurrently(GERMANY, 200);

    assertThat(answers).allSatisfy(answer -> assertThat(answer.statusCode()).isEqualTo(200));
    assertThat(answers.stream().map(HttpResponse::body).distinct()).hasSize(1);
    assertThat(
            answers.stream()
                .filter(
                    a ->
                        a.headers().firstValue("Cache-Status").orElseThrow().contains("collapsed")))
        .hasSizeGreaterThanOrEqualTo(1);
    assertThat(upstream.requests()).isEqualTo(1);
  }

  @Test
  void threeInstancesSharingRedisCallTheUpstreamOnceFor300ConcurrentRequests() {
    List<GatewayUnderTest> instances =
        List.of(gateway(new ManualClock()), gateway(new ManualClock()), gateway(new ManualClock()));
    upstream.slow(Duration.ofMillis(300));

    List<CompletableFuture<HttpResponse<String>>> pending =
        IntStream.range(0, 300).mapToObj(i -> instances.get(i % 3).getAsync(GERMANY)).toList();
    List<HttpResponse<String>> answers = pending.stream().map(CompletableFuture::join).toList();

    assertThat(answers).allSatisfy(answer -> assertThat(answer.statusCode()).isEqualTo(200));
    assertThat(answers.stream().map(HttpResponse::body).distinct()).hasSize(1);
    assertThat(upstream.requests()).isEqualTo(1);
  }

  @Test
  void anInstanceWhoseLeaseHolderDiesFetchesItself() {
    GatewayUnderTest gateway = gateway(clock, java.util.Map.of("UPSTREAM_TIMEOUT", "0.5"));
    redis.set(
        "cachegate:v2:lease:{universities:country=germany}",
        "a-crashed-instance",
        io.lettuce.core.SetArgs.Builder.px(1_000));

    HttpResponse<String> answer = gateway.get(GERMANY);

    assertThat(answer.statusCode()).isEqualTo(200);
    assertThat(answer.headers().firstValue("X-Cache")).hasValue("MISS");
    assertThat(upstream.requests()).isEqualTo(1);
  }

  @Test
  void leaseIsReleasedAfterTheFetch() {
    GatewayUnderTest gateway = gateway(clock);

    gateway.get(GERMANY);

    org.awaitility.Awaitility.await()
        .atMost(Duration.ofSeconds(5))
        .until(() -> redis.keys("*:lease:*").isEmpty());
  }
}
