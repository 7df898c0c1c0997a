package cachegate.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import cachegate.support.GatewayUnderTest;
import cachegate.support.VersionedApi;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Issue 14: refreshes send the upstream's {@code ETag} and {@code Last-Modified} back; an unchanged
 * answer comes back as a 304 without a body and renews the stored entry, in Redis for every
 * instance; a changed one is transferred and stored.
 */
class ConditionalRefreshIT extends VersionedApiRoutes {
  private static final String TOKEN = "conditional-refresh-admin-token";

  @BeforeEach
  void oneItem() {
    api.put("a");
  }

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
          - name: eager
            path: /eager
            upstream: %1$s/items/{id}
            params:
              id: {required: true}
            ttl: 30
            staleWhileRevalidate: 0
        """,
        Map.of("CACHEGATE_ADMIN_TOKEN", TOKEN));
  }

  @Test
  void aStaleWhileRevalidateRefreshOfAnUnchangedAnswerTransfersNoBody() throws IOException {
    GatewayUnderTest gateway = gateway();
    HttpResponse<String> first = gateway.get("/items?id=a");
    clock.advance(Duration.ofSeconds(31));

    HttpResponse<String> stale = gateway.get("/items?id=a");
    await().until(() -> api.notModifiedAnswers() == 1);
    await()
        .until(
            () ->
                gateway
                    .get("/items?id=a")
                    .headers()
                    .firstValue("Age")
                    .equals(java.util.Optional.of("0")));
    HttpResponse<String> renewed = gateway.get("/items?id=a");

    assertThat(stale.headers().firstValue("X-Cache")).hasValue("STALE");
    assertThat(api.fullAnswers()).isEqualTo(1);
    assertThat(api.conditions())
        .containsExactly(
            new VersionedApi.Conditions("", ""),
            new VersionedApi.Conditions(VersionedApi.etag("a", 1), VersionedApi.lastModified(1)));
    assertThat(renewed.headers().firstValue("X-Cache")).hasValue("HIT");
    assertThat(renewed.headers().firstValue("Cache-Status").orElseThrow()).contains("ttl=30");
    assertThat(renewed.body()).isEqualTo(first.body());
    assertThat(gateway.get("/metrics").body())
        .contains("cachegate_upstream_not_modified_total{route=\"items\"} 1.0");
  }

  @Test
  void aRefreshOfAChangedAnswerTransfersAndStoresIt() throws IOException {
    GatewayUnderTest gateway = gateway();
    gateway.get("/items?id=a");
    clock.advance(Duration.ofSeconds(31));
    api.put("a");

    gateway.get("/items?id=a");
    await().until(() -> api.fullAnswers() == 2);
    await()
        .until(() -> new JsonObject(gateway.get("/items?id=a").body()).getInteger("version") == 2);

    assertThat(api.notModifiedAnswers()).isZero();
    assertThat(api.conditions().get(1).ifNoneMatch()).isEqualTo(VersionedApi.etag("a", 1));
  }

  @Test
  void anEntryPastItsWindowIsRevalidatedWithA304AndSaysSo() throws IOException {
    GatewayUnderTest gateway = gateway();
    HttpResponse<String> first = gateway.get("/eager?id=a");
    clock.advance(Duration.ofSeconds(31));

    HttpResponse<String> revalidated = gateway.get("/eager?id=a");

    assertThat(revalidated.statusCode()).isEqualTo(200);
    assertThat(revalidated.headers().firstValue("X-Cache")).hasValue("REVALIDATED");
    assertThat(revalidated.headers().firstValue("Cache-Status").orElseThrow())
        .contains("fwd=stale; fwd-status=304; stored; ttl=30");
    assertThat(revalidated.headers().firstValue("Age")).hasValue("0");
    assertThat(revalidated.body()).isEqualTo(first.body());
    assertThat(api.fullAnswers()).isEqualTo(1);
    assertThat(api.notModifiedAnswers()).isEqualTo(1);
  }

  @Test
  void aSoftPurgedEntryIsRefreshedWithA304() throws IOException {
    GatewayUnderTest gateway = gateway();
    gateway.get("/items?id=a");

    HttpResponse<String> softPurged =
        gateway.send(
            HttpRequest.newBuilder(gateway.uri("/admin/api/entries/soft-purge?route=items&id=a"))
                .header("Authorization", "Bearer " + TOKEN)
                .POST(HttpRequest.BodyPublishers.noBody()));
    HttpResponse<String> stale = gateway.get("/items?id=a");
    await().until(() -> api.notModifiedAnswers() == 1);

    assertThat(softPurged.statusCode()).isEqualTo(200);
    assertThat(stale.headers().firstValue("X-Cache")).hasValue("STALE");
    assertThat(api.fullAnswers()).isEqualTo(1);
  }

  @Test
  void aRenewedEntryReachesAnotherInstanceThroughRedis() throws IOException {
    GatewayUnderTest first = gateway();
    first.get("/eager?id=a");
    clock.advance(Duration.ofSeconds(31));
    first.get("/eager?id=a");

    HttpResponse<String> elsewhere = gateway().get("/eager?id=a");

    assertThat(elsewhere.headers().firstValue("X-Cache")).hasValue("HIT");
    assertThat(elsewhere.headers().firstValue("Age")).hasValue("0");
    assertThat(api.fullAnswers()).isEqualTo(1);
    assertThat(api.notModifiedAnswers()).isEqualTo(1);
  }
}
