package cachegate.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import cachegate.support.GatewayUnderTest;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Issue 14: an upstream 404 or 410 reaches the client as such, with the upstream's JSON body and
 * cachegate's headers, cached for its own TTL with coalescing, stale serving and purge as a 200;
 * other 4xx are passed on uncached; a 401 from an upstream cachegate sends a key to is a 502 that
 * names the route.
 */
class CachedStatusesIT extends VersionedApiRoutes {
  private static final String TOKEN = "cached-statuses-admin-token";

  private GatewayUnderTest gateway() throws IOException {
    return gatewayOn(
        """
        routes:
          - name: items
            path: /items
            upstream: %1$s/items/{id}
            params:
              id: {required: true}
            ttl: 30
          - name: strict
            path: /strict
            upstream: %1$s/items/{id}
            params:
              id: {required: true}
            cacheStatuses: {}
          - name: gone
            path: /gone
            upstream: %1$s/items/{id}
            params:
              id: {required: true}
            cacheStatuses: {404: 10m}
          - name: open
            path: /open
            upstream: %1$s/private/{id}
            params:
              id: {required: true}
          - name: keyed
            path: /keyed
            upstream: %1$s/private/{id}
            params:
              id: {required: true}
            upstreamHeaders:
              X-Api-Key: ${env:CG_STATUSES_KEY}
        """,
        Map.of("CG_STATUSES_KEY", "not-" + API_KEY, "CACHEGATE_ADMIN_TOKEN", TOKEN));
  }

  @Test
  void anUnknownIdIsOne404ForFiftyConcurrentRequestsThenHitsUntilItsTtlThenPurgeWorks()
      throws IOException {
    GatewayUnderTest gateway = gateway();

    List<HttpResponse<String>> first = gateway.getConcurrently("/items?id=nope", 50);

    assertThat(first)
        .hasSize(50)
        .allSatisfy(
            answer -> {
              assertThat(answer.statusCode()).isEqualTo(404);
              assertThat(new JsonObject(answer.body()))
                  .isEqualTo(new JsonObject().put("message", "Not Found"));
              assertThat(answer.headers().firstValue("Content-Type")).hasValue("application/json");
              assertThat(answer.headers().firstValue("X-Cache")).isPresent();
              assertThat(answer.headers().firstValue("Cache-Status").orElseThrow())
                  .contains("key=\"cachegate:v2:{items:id=nope}\"");
              assertThat(answer.headers().firstValue("ETag")).isEmpty();
            });
    assertThat(first)
        .anySatisfy(
            answer ->
                assertThat(answer.headers().firstValue("Cache-Status").orElseThrow())
                    .contains("fwd=uri-miss; fwd-status=404; stored; ttl=60"));
    assertThat(api.clientErrors()).isEqualTo(1);
    await().until(() -> redis.exists("cachegate:v2:{items:id=nope}") == 1);

    clock.advance(Duration.ofSeconds(59));
    HttpResponse<String> hit = gateway.get("/items?id=nope");

    assertThat(hit.statusCode()).isEqualTo(404);
    assertThat(hit.headers().firstValue("X-Cache")).hasValue("HIT");
    assertThat(hit.headers().firstValue("Age")).hasValue("59");
    assertThat(hit.headers().firstValue("Cache-Status").orElseThrow()).contains("hit; ttl=1");
    assertThat(hit.body()).isEqualTo(first.get(0).body());
    assertThat(api.clientErrors()).isEqualTo(1);

    clock.advance(Duration.ofSeconds(2));
    HttpResponse<String> stale = gateway.get("/items?id=nope");

    assertThat(stale.statusCode()).isEqualTo(404);
    assertThat(stale.headers().firstValue("X-Cache")).hasValue("STALE");
    await().until(() -> api.clientErrors() == 2);

    HttpResponse<String> purged =
        gateway.send(
            HttpRequest.newBuilder(gateway.uri("/admin/api/entries?route=items&id=nope"))
                .header("Authorization", "Bearer " + TOKEN)
                .DELETE());
    HttpResponse<String> afterPurge = gateway.get("/items?id=nope");

    assertThat(new JsonObject(purged.body()).getInteger("purged")).isEqualTo(1);
    assertThat(afterPurge.statusCode()).isEqualTo(404);
    assertThat(afterPurge.headers().firstValue("X-Cache")).hasValue("MISS");
    assertThat(api.clientErrors()).isEqualTo(3);
  }

  @Test
  void aCached404IsSentGzipToClientsThatAcceptItAndIgnoresIfNoneMatch() throws IOException {
    GatewayUnderTest gateway = gateway();
    gateway.get("/items?id=nope");

    HttpResponse<byte[]> gzip = bytes(gateway, "Accept-Encoding", "gzip");
    HttpResponse<String> conditional =
        gateway.send(
            HttpRequest.newBuilder(gateway.uri("/items?id=nope")).header("If-None-Match", "*"));

    assertThat(gzip.statusCode()).isEqualTo(404);
    assertThat(gzip.headers().firstValue("Content-Encoding")).hasValue("gzip");
    assertThat(gzip.headers().firstValue("X-Cache")).hasValue("HIT");
    assertThat(gzip.body()[0]).isEqualTo((byte) 0x1f);
    assertThat(conditional.statusCode()).isEqualTo(404);
    assertThat(new JsonObject(conditional.body()).getString("message")).isEqualTo("Not Found");
    assertThat(api.clientErrors()).isEqualTo(1);
  }

  @Test
  void anotherClientErrorIsPassedOnWithItsBodyAndNotCached() throws IOException {
    GatewayUnderTest gateway = gateway();

    HttpResponse<String> first = gateway.get("/items?id=invalid-1");
    HttpResponse<String> second = gateway.get("/items?id=invalid-1");

    for (HttpResponse<String> answer : List.of(first, second)) {
      assertThat(answer.statusCode()).isEqualTo(422);
      assertThat(new JsonObject(answer.body()).getString("message")).isEqualTo("invalid id");
      assertThat(answer.headers().firstValue("X-Cache")).hasValue("MISS");
      assertThat(answer.headers().firstValue("Cache-Status").orElseThrow())
          .contains("fwd-status=422")
          .doesNotContain("stored");
    }
    assertThat(api.clientErrors()).isEqualTo(2);
    assertThat(redis.exists("cachegate:v2:{items:id=invalid-1}")).isZero();
  }

  @Test
  void eachRouteCachesTheStatusesItNames() throws IOException {
    GatewayUnderTest gateway = gateway();

    gateway.get("/strict?id=nope");
    HttpResponse<String> strict = gateway.get("/strict?id=nope");
    gateway.get("/gone?id=nope");
    clock.advance(Duration.ofMinutes(9));
    HttpResponse<String> gone = gateway.get("/gone?id=nope");
    HttpResponse<String> routes =
        gateway.send(
            HttpRequest.newBuilder(gateway.uri("/admin/api/routes"))
                .header("Authorization", "Bearer " + TOKEN));

    assertThat(strict.statusCode()).isEqualTo(404);
    assertThat(strict.headers().firstValue("X-Cache")).hasValue("MISS");
    assertThat(gone.headers().firstValue("X-Cache")).hasValue("HIT");
    assertThat(api.clientErrors()).isEqualTo(3);
    assertThat(routes.body())
        .contains("\"name\":\"items\"", "\"cacheStatusesSeconds\":{\"404\":60,\"410\":60}")
        .contains("\"cacheStatusesSeconds\":{}", "\"cacheStatusesSeconds\":{\"404\":600}");
  }

  @Test
  void a401ReachesTheClientWhenCachegateSendsNoKeyAndIsA502NamingTheRouteWhenItDoes()
      throws IOException {
    GatewayUnderTest gateway = gateway();
    api.put("secret-item");

    HttpResponse<String> open = gateway.get("/open?id=secret-item");
    HttpResponse<String> keyed = gateway.get("/keyed?id=secret-item");

    assertThat(open.statusCode()).isEqualTo(401);
    assertThat(new JsonObject(open.body()).getString("message")).isEqualTo("Bad credentials");
    assertThat(keyed.statusCode()).isEqualTo(502);
    assertThat(new JsonObject(keyed.body()).getString("error"))
        .contains("refused cachegate's credentials (status 401)", "route 'keyed'")
        .doesNotContain(API_KEY);
  }

  @Test
  void metricsCountAnswersWithUpstreamErrorStatusesByStatusAndOutcome() throws IOException {
    GatewayUnderTest gateway = gateway();
    gateway.get("/items?id=nope");
    gateway.get("/items?id=nope");
    gateway.get("/items?id=invalid-2");

    String metrics = gateway.get("/metrics").body();

    assertThat(metrics)
        .contains(
            "cachegate_error_answers_total{outcome=\"miss\",route=\"items\",status=\"404\"} 1.0")
        .contains(
            "cachegate_error_answers_total{outcome=\"hit\",route=\"items\",status=\"404\"} 1.0")
        .contains(
            "cachegate_error_answers_total{outcome=\"miss\",route=\"items\",status=\"422\"} 1.0");
  }

  private static HttpResponse<byte[]> bytes(GatewayUnderTest gateway, String header, String value) {
    try {
      return java.net.http.HttpClient.newHttpClient()
          .send(
              HttpRequest.newBuilder(gateway.uri("/items?id=nope")).header(header, value).build(),
              HttpResponse.BodyHandlers.ofByteArray());
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }
}
