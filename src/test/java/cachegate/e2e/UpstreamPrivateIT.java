package cachegate.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import cachegate.support.GatewayUnderTest;
import cachegate.support.VersionedApi;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Issue 14: an upstream that marks its answers {@code Cache-Control: private} (as GitHub's REST API
 * marks every authenticated one) is cached, and refreshed with 304s, on a route that says {@code
 * upstreamPrivate: store}; on any other route it is not stored; and {@code no-store} is never
 * stored.
 */
class UpstreamPrivateIT extends VersionedApiRoutes {
  @BeforeEach
  void oneItem() {
    api.put("a");
  }

  private GatewayUnderTest gateway() throws IOException {
    return gatewayOn(
        """
        routes:
          - name: shared
            path: /shared
            upstream: %1$s/items/{id}
            params:
              id: {required: true}
            ttlFrom: upstream
            staleWhileRevalidate: 0
            upstreamPrivate: store
          - name: rfc
            path: /rfc
            upstream: %1$s/items/{id}
            params:
              id: {required: true}
            ttl: 30
        """,
        Map.of());
  }

  @Test
  void aRouteThatStoresPrivateAnswersServesThemFromTheCacheAndRevalidatesThemWith304s()
      throws IOException {
    api.cacheControl("private, max-age=60");
    GatewayUnderTest gateway = gateway();

    HttpResponse<String> miss = gateway.get("/shared?id=a");
    await().until(() -> redis.keys("*:v2:{shared:*").size() == 1);
    HttpResponse<String> hit = gateway.get("/shared?id=a");
    clock.advance(Duration.ofSeconds(61));
    HttpResponse<String> revalidated = gateway.get("/shared?id=a");

    assertThat(miss.statusCode()).isEqualTo(200);
    assertThat(miss.headers().firstValue("X-Cache")).hasValue("MISS");
    assertThat(miss.headers().firstValue("Cache-Status").orElseThrow()).contains("stored; ttl=60");
    assertThat(miss.headers().firstValue("Cache-Control")).isEmpty();
    assertThat(hit.headers().firstValue("X-Cache")).hasValue("HIT");
    assertThat(hit.body()).isEqualTo(miss.body());
    assertThat(revalidated.headers().firstValue("X-Cache")).hasValue("REVALIDATED");
    assertThat(revalidated.headers().firstValue("Cache-Status").orElseThrow())
        .contains("fwd-status=304; stored; ttl=60");
    assertThat(revalidated.body()).isEqualTo(miss.body());
    assertThat(api.fullAnswers()).isEqualTo(1);
    assertThat(api.notModifiedAnswers()).isEqualTo(1);
    assertThat(api.conditions().get(1).ifNoneMatch()).isEqualTo(VersionedApi.etag("a", 1));
  }

  @Test
  void aRouteThatDoesNotSaySoStoresNoPrivateAnswer() throws IOException {
    api.cacheControl("private, max-age=60");
    GatewayUnderTest gateway = gateway();

    HttpResponse<String> first = gateway.get("/rfc?id=a");
    HttpResponse<String> second = gateway.get("/rfc?id=a");

    assertThat(first.statusCode()).isEqualTo(200);
    assertThat(first.headers().firstValue("X-Cache")).hasValue("MISS");
    assertThat(second.headers().firstValue("X-Cache")).hasValue("MISS");
    assertThat(second.headers().firstValue("Cache-Control")).hasValue("private, max-age=60");
    assertThat(api.fullAnswers()).isEqualTo(2);
    assertThat(api.conditions()).extracting(VersionedApi.Conditions::ifNoneMatch).containsOnly("");
    assertThat(redis.keys("*:v2:{rfc:*")).isEmpty();
  }

  @Test
  void aRouteThatStoresPrivateAnswersStillStoresNoNoStoreAnswer() throws IOException {
    api.cacheControl("private, no-store");
    GatewayUnderTest gateway = gateway();

    HttpResponse<String> first = gateway.get("/shared?id=a");
    HttpResponse<String> second = gateway.get("/shared?id=a");

    assertThat(first.statusCode()).isEqualTo(200);
    assertThat(first.headers().firstValue("X-Cache")).hasValue("MISS");
    assertThat(second.headers().firstValue("X-Cache")).hasValue("MISS");
    assertThat(second.headers().firstValue("Cache-Control")).hasValue("private, no-store");
    assertThat(api.fullAnswers()).isEqualTo(2);
    assertThat(redis.keys("*:v2:{shared:*")).isEmpty();
  }
}
