package cachegate.http;

import cachegate.engine.CacheEngine;
import cachegate.engine.Route;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.ext.web.Router;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

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
      UpstreamProbe upstream,
      Optional<RedisProbe> redis) {
    Router router = Router.router(vertx);
    router.route().handler(RequestLimits::check);
    router
        .route(route.path())
        .method(HttpMethod.GET)
        .method(HttpMethod.HEAD)
        .handler(new CachedRouteHandler(route, engine, namespace));
    router.route(HttpMethod.GET, "/health").handler(new HealthHandler(cacheType, upstream, redis));
    router.errorHandler(
        404,
        c -> ErrorResponses.send(c.response(), 404, "no such endpoint: " + c.request().path()));
    router.errorHandler(
        405,
        c -> {
          c.response().putHeader(HttpHeaders.ALLOW, "GET, HEAD");
          ErrorResponses.send(
              c.response(),
              405,
              "method " + c.request().method() + " is not allowed; use GET or HEAD");
        });
    router.errorHandler(500, c -> ErrorResponses.send(c.response(), c.failure()));
    return new GatewayServer(vertx, router);
  }

  /**
   * Starts {@code instances} servers, each on its own event loop, on {@code port} and completes
   * with the port they listen on. They share one listening socket (Vert.x server sharing). Port 0
   * means a free port, picked here first because Vert.x shares only explicit ports.
   */
  public Future<Integer> listen(int port, int instances) {
    return port != 0 ? listenOn(port, instances) : listenOn(freePort(), instances);
  }

  private static int freePort() {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException("no free port", e);
    }
  }

  private Future<Integer> listenOn(int port, int instances) {
    List<ServerVerticle> started = new java.util.concurrent.CopyOnWriteArrayList<>();
    return vertx
        .deployVerticle(
            () -> {
              ServerVerticle verticle = new ServerVerticle(router, port);
              started.add(verticle);
              return verticle;
            },
            new DeploymentOptions().setInstances(instances))
        .map(
            id -> {
              deployments.add(id);
              Set<Integer> ports = started.stream().map(v -> v.port).collect(Collectors.toSet());
              if (ports.size() != 1) {
                throw new IllegalStateException("servers listen on different ports: " + ports);
              }
              return ports.iterator().next();
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
          .createHttpServer(
              new HttpServerOptions()
                  .setPort(port)
                  .setMaxInitialLineLength(RequestLimits.MAX_REQUEST_LINE_BYTES))
          .invalidRequestHandler(RequestLimits::refuseMalformed)
          .requestHandler(router)
          .listen()
          .onSuccess(server -> port = server.actualPort());
    }
  }
}
