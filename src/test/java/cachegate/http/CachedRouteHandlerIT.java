package cachegate.http;

import static org.assertj.core.api.Assertions.assertThat;

import cachegate.engine.CacheEngine;
import cachegate.engine.CachePolicy;
import cachegate.engine.FetchLease;
import cachegate.engine.ManualClock;
import cachegate.engine.Tracer;
import cachegate.engine.Upstream;
import cachegate.metrics.MicrometerCacheMetrics;
import cachegate.store.MemoryStore;
import cachegate.support.BuiltInRoute;
import cachegate.support.CapturedLogs;
import ch.qos.logback.classic.Level;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * How the route handler answers a request it cannot build a key for: the client's mistake is a 400
 * counted as rejected; a bug of ours is a 500, counted as an error and logged with its stack trace.
 */
class CachedRouteHandlerIT {
  private final Vertx vertx = Vertx.vertx();
  private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
  private final MicrometerCacheMetrics metrics =
      new MicrometerCacheMetrics(registry).register("universities");
  private final CapturedLogs logs = CapturedLogs.of(ErrorResponses.class);

  @AfterEach
  void stop() {
    logs.close();
    vertx.close().toCompletionStage().toCompletableFuture().join();
  }

  @Test
  void aQueryTheRouteRefusesIsA400CountedAsRejected() throws Exception {
    int port = serve("t");

    HttpResponse<String> answer = get(port, "/universities?limit=many");

    assertThat(answer.statusCode()).isEqualTo(400);
    assertThat(requests("invalid")).isEqualTo(1);
    assertThat(requests("error")).isZero();
    assertThat(logs.events()).isEmpty();
  }

  @Test
  void aBugWhileBuildingTheKeyIsA500CountedAsAnErrorAndLoggedWithItsStackTrace() throws Exception {
    // No namespace: building any key throws a NullPointerException, as a bug of ours would.
    int port = serve(null);

    HttpResponse<String> answer = get(port, "/universities?country=Germany");

    assertThat(answer.statusCode()).isEqualTo(500);
    assertThat(new JsonObject(answer.body()).getString("error"))
        .isEqualTo("internal error: NullPointerException");
    assertThat(requests("invalid")).isZero();
    assertThat(requests("error")).isEqualTo(1);
    assertThat(logs.events())
        .singleElement()
        .satisfies(
            event -> {
              assertThat(event.getLevel()).isEqualTo(Level.ERROR);
              assertThat(event.getThrowableProxy().getClassName())
                  .isEqualTo(NullPointerException.class.getName());
              assertThat(event.getThrowableProxy().getStackTraceElementProxyArray()).isNotEmpty();
            });
  }

  /** Serves the universities route under {@code namespace} on a free port; returns the port. */
  private int serve(String namespace) {
    ManualClock clock = new ManualClock();
    MemoryStore store = new MemoryStore(1 << 20, clock);
    Upstream unused =
        (key, validators) ->
            CompletableFuture.failedFuture(new AssertionError("the upstream is not asked"));
    CacheEngine engine =
        new CacheEngine(
            store,
            unused,
            FetchLease.local(store),
            CachePolicy.ofTtl(Duration.ofSeconds(30)),
            clock,
            () -> 0L,
            Duration.ofSeconds(5));
    Router router = Router.router(vertx);
    router
        .get("/universities")
        .handler(
            new CachedRouteHandler(
                BuiltInRoute.universities(),
                engine,
                namespace,
                metrics,
                IdentityCopies.none(),
                IdentityFiles.none(),
                Tracer.none()));
    HttpServer server =
        vertx
            .createHttpServer()
            .requestHandler(router)
            .listen(0, "127.0.0.1")
            .toCompletionStage()
            .toCompletableFuture()
            .join();
    return server.actualPort();
  }

  private static HttpResponse<String> get(int port, String path) throws Exception {
    return HttpClient.newHttpClient()
        .send(
            HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .timeout(Duration.ofSeconds(10))
                .build(),
            HttpResponse.BodyHandlers.ofString());
  }

  private double requests(String outcome) {
    return registry
        .get("cachegate.requests")
        .tag("route", "universities")
        .tag("outcome", outcome)
        .counter()
        .count();
  }
}
