package cachegate.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import cachegate.engine.ManualClock;
import cachegate.support.FakeJsonApi;
import cachegate.support.GatewayUnderTest;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.InstantSource;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** cachegate serving the routes of a routes file, each in front of its own upstream. */
class RoutesFileIT extends RedisAndUpstream {
  private static final String TOKEN = "routes-file-admin-token";

  static FakeJsonApi postcodesApi;

  @TempDir Path dir;

  @BeforeAll
  static void startSecondUpstream() {
    postcodesApi = FakeJsonApi.start();
  }

  @AfterAll
  static void stopSecondUpstream() {
    postcodesApi.close();
  }

  @BeforeEach
  void healthySecondUpstream() {
    postcodesApi.reset();
  }

  private GatewayUnderTest gatewayWithRoutes() throws IOException {
    return gatewayWithRoutes(InstantSource.system());
  }

  private GatewayUnderTest gatewayWithRoutes(InstantSource clock) throws IOException {
    Path routes = dir.resolve("routes.yml");
    Files.writeString(
        routes,
        """
        routes:
          - name: universities
            path: /universities
            upstream: %s/search
            params:
              country: {lowercase: true}
            requireOneOf: [country]
            ttl: 30
          - name: postcodes
            path: /postcodes
            upstream: %s/{country}/{code}
            params:
              country: {lowercase: true, required: true, maxLength: 2}
              code: {required: true, maxLength: 10}
              format: {default: full}
            ttl: 600
        """
            .formatted(upstream.url(), postcodesApi.url()));
    return gateway(
        clock,
        Map.of(
            "CACHEGATE_ROUTES",
            routes.toString(),
            "UNIVERSITIES_API_URL",
            "",
            "CACHEGATE_ADMIN_TOKEN",
            TOKEN));
  }

  @Test
  void aRouteFillsItsUpstreamPathFromTheQueryAndIsCachedUnderItsOwnKey() throws IOException {
    GatewayUnderTest gateway = gatewayWithRoutes();

    HttpResponse<String> first = gateway.get("/postcodes?country=DE&code=10115");
    HttpResponse<String> second = gateway.get("/postcodes?code=10115&country=de");

    assertThat(first.statusCode()).isEqualTo(200);
    assertThat(new JsonObject(first.body()))
        .isEqualTo(new JsonObject().put("path", "/de/10115").put("query", "format=full"));
    assertThat(first.headers().firstValue("X-Cache")).hasValue("MISS");
    assertThat(second.headers().firstValue("X-Cache")).hasValue("HIT");
    assertThat(second.body()).isEqualTo(first.body());
    assertThat(postcodesApi.requests()).containsExactly("/de/10115?format=full");
    await()
        .until(
            () -> redis.exists("cachegate:v2:{postcodes:code=10115&country=de&format=full}") == 1);
  }

  @Test
  void eachRouteAnswersFromItsOwnUpstreamWithItsOwnTtl() throws IOException {
    GatewayUnderTest gateway = gatewayWithRoutes(new ManualClock());

    HttpResponse<String> universities = gateway.get("/universities?country=Germany");
    HttpResponse<String> postcodes = gateway.get("/postcodes?country=fr&code=75001");

    assertThat(universities.statusCode()).isEqualTo(200);
    assertThat(new JsonArray(universities.body()).size())
        .isEqualTo(upstream.count(Map.of("country", "germany")));
    assertThat(universities.headers().firstValue("Cache-Status").orElseThrow()).contains("ttl=30;");
    assertThat(postcodes.headers().firstValue("Cache-Status").orElseThrow()).contains("ttl=600;");
    assertThat(upstream.requests()).isEqualTo(1);
    assertThat(postcodesApi.requests()).hasSize(1);
  }

  @Test
  void anUnknownParameterIsRefusedNamingItAndTheAcceptedOnesWithoutCallingTheUpstream()
      throws IOException {
    GatewayUnderTest gateway = gatewayWithRoutes();

    HttpResponse<String> refused = gateway.get("/postcodes?country=de&code=10115&limit=1");

    assertThat(refused.statusCode()).isEqualTo(400);
    assertThat(new JsonObject(refused.body()).getString("error"))
        .isEqualTo("unknown parameter 'limit'; this route accepts country, code, format");
    assertThat(postcodesApi.requests()).isEmpty();
  }

  @Test
  void aRequiredParameterLeftOutIsRefusedWithoutCallingTheUpstream() throws IOException {
    GatewayUnderTest gateway = gatewayWithRoutes();

    HttpResponse<String> refused = gateway.get("/postcodes?country=de");
    HttpResponse<String> dots = gateway.get("/postcodes?country=de&code=..");

    assertThat(refused.statusCode()).isEqualTo(400);
    assertThat(new JsonObject(refused.body()).getString("error"))
        .isEqualTo("parameter 'code' is required");
    assertThat(dots.statusCode()).isEqualTo(400);
    assertThat(postcodesApi.requests()).isEmpty();
  }

  @Test
  void concurrentColdRequestsOnARouteMakeOneUpstreamCall() throws IOException {
    GatewayUnderTest gateway = gatewayWithRoutes();
    postcodesApi.slow(Duration.ofMillis(300));

    List<HttpResponse<String>> answers =
        gateway.getConcurrently("/postcodes?country=it&code=00100", 100);

    assertThat(answers).extracting(HttpResponse::statusCode).containsOnly(200);
    assertThat(answers).extracting(HttpResponse::body).containsOnly(answers.get(0).body());
    assertThat(postcodesApi.requests()).hasSize(1);
  }

  @Test
  void aFailingUpstreamOpensOnlyItsOwnRoutesCircuit() throws IOException {
    GatewayUnderTest gateway = gatewayWithRoutes();
    postcodesApi.failWith(500);

    for (int code = 0; code < 6; code++) {
      assertThat(gateway.get("/postcodes?country=es&code=" + code).statusCode()).isIn(502, 503);
    }

    JsonObject health = new JsonObject(gateway.get("/health").body());
    assertThat(health.getString("status")).isEqualTo("DEGRADED");
    assertThat(health.getJsonObject("upstreams").getJsonObject("postcodes").getString("circuit"))
        .isEqualTo("OPEN");
    assertThat(health.getJsonObject("upstreams").getJsonObject("universities").getString("url"))
        .isEqualTo(upstream.url() + "/search");
    assertThat(gateway.get("/universities?country=Japan").statusCode()).isEqualTo(200);
  }

  @Test
  void theAdminApiListsWarmsAndPurgesEachRouteSeparately() throws IOException {
    GatewayUnderTest gateway = gatewayWithRoutes();
    gateway.get("/universities?country=Turkey");

    JsonArray routes = new JsonArray(admin(gateway, "GET", "/admin/api/routes").body());
    HttpResponse<String> warmed =
        admin(
            gateway,
            "POST",
            "/admin/api/warm",
            "{\"route\":\"postcodes\",\"queries\":[\"country=nl&code=1011\"]}");
    HttpResponse<String> withoutRoute =
        admin(gateway, "DELETE", "/admin/api/entries?country=nl&code=1011");
    HttpResponse<String> purged = admin(gateway, "DELETE", "/admin/api/routes/postcodes/entries");

    assertThat(routes.stream().map(r -> ((JsonObject) r).getString("path")))
        .containsExactly("/universities", "/postcodes");
    assertThat(warmed.statusCode()).isEqualTo(200);
    assertThat(withoutRoute.statusCode()).isEqualTo(400);
    assertThat(new JsonObject(withoutRoute.body()).getString("error"))
        .isEqualTo("name the route: one of universities, postcodes");
    assertThat(new JsonObject(purged.body()).getInteger("purged")).isEqualTo(1);
    await()
        .atMost(Duration.ofSeconds(5))
        .untilAsserted(
            () ->
                assertThat(redis.keys("cachegate:v2:{*"))
                    .containsExactly("cachegate:v2:{universities:country=turkey}"));
  }

  private static HttpResponse<String> admin(GatewayUnderTest gateway, String method, String path) {
    return admin(gateway, method, path, "");
  }

  private static HttpResponse<String> admin(
      GatewayUnderTest gateway, String method, String path, String body) {
    return gateway.send(
        HttpRequest.newBuilder(gateway.uri(path))
            .method(method, HttpRequest.BodyPublishers.ofString(body))
            .header("Authorization", "Bearer " + TOKEN)
            .header("Content-Type", "application/json"));
  }
}
