package cachegate.upstream;

import static org.assertj.core.api.Assertions.assertThat;

import cachegate.config.GatewayConfig;
import cachegate.config.UpstreamConfig;
import cachegate.config.UpstreamField;
import cachegate.engine.CacheKey;
import cachegate.engine.CachePolicy;
import cachegate.engine.Failures;
import cachegate.engine.Route;
import cachegate.engine.UpstreamBody;
import cachegate.engine.UpstreamException;
import cachegate.engine.UpstreamResponse;
import cachegate.engine.Validators;
import cachegate.metrics.MicrometerCacheMetrics;
import cachegate.support.BuiltInRoute;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerResponse;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Issue 14, at the HTTP client: which upstream statuses are answers, which are errors, and
 * conditional requests. The fake upstream answers by the {@code country} it is asked for: {@code
 * status-<n>} with that status and a JSON body, {@code html-404} a 404 in HTML, {@code etag} a 200
 * with validators (304 when {@code If-None-Match} names its tag), {@code not-modified} a 304
 * whatever it is sent.
 */
class HttpUpstreamStatusesIT {
  private static final String ETAG = "\"rev-7\"";
  private static final String LAST_MODIFIED = "Wed, 21 Oct 2015 07:28:00 GMT";
  private static final UpstreamConfig PLAIN =
      new UpstreamConfig(Duration.ofSeconds(2), 8, 16, Duration.ofSeconds(2));
  private static final UpstreamConfig KEYED =
      PLAIN.withFields(
          List.of(UpstreamConfig.DEFAULT_USER_AGENT, UpstreamField.of("X-Api-Key", "k-123")),
          List.of());

  private final AtomicReference<MultiMap> lastHeaders = new AtomicReference<>();
  private Vertx serverVertx;
  private Vertx vertx;
  private Route route;
  private HttpUpstream plain;
  private HttpUpstream keyed;

  @BeforeEach
  void start() {
    serverVertx = Vertx.vertx();
    HttpServer server =
        serverVertx
            .createHttpServer()
            .requestHandler(
                request -> {
                  lastHeaders.set(MultiMap.caseInsensitiveMultiMap().addAll(request.headers()));
                  answer(request.getParam("country"), request.headers(), request.response());
                })
            .listen(0, "127.0.0.1")
            .await();
    route = BuiltInRoute.universities(URI.create("http://127.0.0.1:" + server.actualPort()));
    vertx = Vertx.vertx();
    plain = HttpUpstreamIT.upstream(vertx, PLAIN, route.upstream());
    keyed = HttpUpstreamIT.upstream(vertx, KEYED, route.upstream());
  }

  @AfterEach
  void stop() {
    plain.close();
    keyed.close();
    vertx.close().await();
    serverVertx.close().await();
  }

  private static void answer(String country, MultiMap headers, HttpServerResponse response) {
    response.putHeader("Content-Type", "application/json");
    if (country.startsWith("status-")) {
      response
          .setStatusCode(Integer.parseInt(country.substring(7)))
          .end("{\"message\":\"" + country + "\"}");
    } else if (country.equals("html-404")) {
      response.setStatusCode(404).putHeader("Content-Type", "text/html").end("<h1>Not Found</h1>");
    } else if (country.equals("long-etag")) {
      response.putHeader("ETag", "\"" + "x".repeat(2000) + "\"").end("[2]");
    } else if (country.equals("not-modified")) {
      response.setStatusCode(304).end();
    } else if (ETAG.equals(headers.get("If-None-Match"))) {
      response.setStatusCode(304).putHeader("ETag", ETAG).end();
    } else {
      response.putHeader("ETag", ETAG).putHeader("Last-Modified", LAST_MODIFIED).end("[1]");
    }
  }

  @Test
  void anAnswerKeepsTheUpstreamsValidatorsAndARefreshSendsThemBackAndTakesA304() {
    UpstreamResponse full = plain.fetch(key("etag")).join();
    UpstreamResponse refreshed = plain.fetch(key("etag"), full.validators()).join();

    assertThat(full.status()).isEqualTo(200);
    assertThat(full.validators()).isEqualTo(new Validators(ETAG, LAST_MODIFIED));
    assertThat(lastHeaders.get().get("If-None-Match")).isEqualTo(ETAG);
    assertThat(lastHeaders.get().get("If-Modified-Since")).isEqualTo(LAST_MODIFIED);
    assertThat(refreshed.isNotModified()).isTrue();
    assertThat(((UpstreamBody.Whole) refreshed.body()).bytes()).isEmpty();
    assertThat(refreshed.validators().etag()).isEqualTo(ETAG);
  }

  @Test
  void aValidatorTooLongToKeepIsDroppedAndCounted() {
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    HttpUpstream counted =
        new HttpUpstream(
            vertx,
            PLAIN,
            route.upstream(),
            "universities",
            CachePolicy.DEFAULT_MAX_ENTRY_BYTES,
            GatewayConfig.DEFAULT_UPSTREAM_MAX_BODY_BYTES,
            new ByteBudget(GatewayConfig.DEFAULT_UPSTREAM_BUFFER_BYTES),
            new MicrometerCacheMetrics(registry));

    UpstreamResponse answer = counted.fetch(key("long-etag")).join();
    counted.close();

    assertThat(answer.status()).isEqualTo(200);
    assertThat(answer.validators()).isEqualTo(Validators.NONE);
    assertThat(
            registry
                .get("cachegate.limits.reached")
                .tag("limit", "upstream-validator-too-long")
                .counter()
                .count())
        .isEqualTo(1);
  }

  @Test
  void anUnconditionalRequestSendsNoValidators() {
    plain.fetch(key("etag")).join();

    assertThat(lastHeaders.get().contains("If-None-Match")).isFalse();
    assertThat(lastHeaders.get().contains("If-Modified-Since")).isFalse();
  }

  @Test
  void a304ToAnUnconditionalRequestIsAnUpstreamError() {
    UpstreamException failure = failure(plain, "not-modified");

    assertThat(failure.kind()).isEqualTo(UpstreamException.Kind.BAD_STATUS);
    assertThat(failure.upstreamStatus()).hasValue(304);
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(ints = {400, 401, 403, 404, 410, 422})
  void aClientErrorWithAJsonBodyIsAnAnswerForTheClient(int status) {
    UpstreamResponse answer = plain.fetch(key("status-" + status)).join();

    assertThat(answer.status()).isEqualTo(status);
    assertThat(new String(((UpstreamBody.Whole) answer.body()).bytes(), StandardCharsets.UTF_8))
        .isEqualTo("{\"message\":\"status-" + status + "\"}");
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(ints = {408, 429, 500, 502, 503, 301})
  void otherStatusesAreUpstreamErrorsNamingTheStatus(int status) {
    UpstreamException failure = failure(plain, "status-" + status);

    assertThat(failure.kind()).isEqualTo(UpstreamException.Kind.BAD_STATUS);
    assertThat(failure.upstreamStatus()).hasValue(status);
    assertThat(failure).hasMessageContaining("answered with status " + status);
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(ints = {401, 403})
  void aRefusalOfTheKeyCachegateSendsIsACredentialsErrorNamingTheRoute(int status) {
    UpstreamException failure = failure(keyed, "status-" + status);

    assertThat(failure.upstreamStatus()).hasValue(status);
    assertThat(failure.countsAgainstUpstream()).isFalse();
    assertThat(failure)
        .hasMessageContaining("refused cachegate's credentials (status " + status + ")")
        .hasMessageContaining("route 'universities'")
        .hasMessageNotContaining("k-123");
  }

  @Test
  void aNotFoundThatIsNotJsonIsAnUpstreamError() {
    UpstreamException failure = failure(plain, "html-404");

    assertThat(failure.kind()).isEqualTo(UpstreamException.Kind.INVALID_BODY);
    assertThat(failure).hasMessageContaining("answered 404 with a body that is not JSON");
  }

  private UpstreamException failure(HttpUpstream upstream, String country) {
    Throwable failure = upstream.fetch(key(country)).handle((answer, error) -> error).join();
    return (UpstreamException) Failures.unwrap(failure);
  }

  private CacheKey key(String country) {
    return route.key("cachegate", Map.of("country", List.of(country)));
  }
}
