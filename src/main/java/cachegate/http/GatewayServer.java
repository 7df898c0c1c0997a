package cachegate.http;

import cachegate.engine.CacheEngine;
import cachegate.engine.Route;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.ext.web.Router;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The HTTP front: one router shared by one server per event loop, all on the same port (Vert.x
 * spreads connections over them). Unknown paths get a JSON 404, other methods a JSON 405.
 */
public final class GatewayServer {
  private final Vertx vertx;
  private final Router router;
  private final List<String> deployments = new ArrayList<>();

  private GatewayServer(Vertx vertx, Router router) {
    this.vertx = vertx;
    this.router = router;
  }

  /**
   * Routes for one cached route and {@code /health}.
   *
   * @param redis how {@code /health} checks Redis, when Redis is used
   */
  public static GatewayServer create(
      Vertx vertx,
      Route route,
      CacheEngine engine,
      String namespace,
      String cacheType,
      Optional<RedisProbe> redis) {
    Router router = Router.router(vertx);
    router
        .route(HttpMethod.GET, route.path())
        .handler(new CachedRouteHandler(route, engine, namespace));
    router.route(HttpMethod.GET, "/health").handler(new HealthHandler(cacheType, redis));
    router.errorHandler(
        404,
        c -> ErrorResponses.send(c.response(), 404, "no such endpoint: " + c.request().path()));
    router.errorHandler(
        405,
        c ->
            ErrorResponses.send(
                c.response(), 405, "method " + c.request().method() + " is not allowed"));
    router.errorHandler(500, c -> ErrorResponses.send(c.response(), c.failure()));
    return new GatewayServer(vertx, router);
  }

  /**
   * Starts {@code instances} servers, each on its own event loop, on {@code port} (0 picks a free
   * port, then shared by all) and completes with the port they listen on.
   */
  public Future<Integer> listen(int port, int instances) {
    ServerVerticle first = new ServerVerticle(router, port);
    return vertx
        .deployVerticle(first)
        .compose(
            id -> {
              deployments.add(id);
              if (instances <= 1) {
                return Future.succeededFuture(first.port);
              }
              return vertx
                  .deployVerticle(
                      () -> new ServerVerticle(router, first.port),
                      new DeploymentOptions().setInstances(instances - 1))
                  .map(
                      more -> {
                        deployments.add(more);
                        return first.port;
                      });
            });
  }

  /** Stops accepting connections; requests in flight finish. */
  public Future<Void> close() {
    return Future.all(deployments.stream().map(vertx::undeploy).toList()).mapEmpty();
  }

  /** One server on the event loop the verticle is deployed on. */
  private static final class ServerVerticle extends VerticleBase {
    private final Router router;
    private volatile int port;

    ServerVerticle(Router router, int port) {
      this.router = router;
      this.port = port;
    }

    @Override
    public Future<?> start() {
      return vertx
          .createHttpServer(new HttpServerOptions().setPort(port))
          .requestHandler(router)
          .listen()
          .onSuccess(server -> port = server.actualPort());
    }
  }
}
