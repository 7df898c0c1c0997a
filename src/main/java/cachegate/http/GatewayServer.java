package cachegate.http;

import cachegate.config.ServerConfig;
import cachegate.engine.CacheGateException;
import cachegate.engine.CacheMetrics;
import cachegate.engine.EntryCatalog;
import cachegate.engine.Failures;
import cachegate.engine.Tracer;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.handler.StaticHandler;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.BindException;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The HTTP front: one router shared by one server per event loop, all on the same port (Vert.x
 * spreads connections over them). Unknown paths get a JSON 404, other methods a JSON 405.
 */
public final class GatewayServer {
  private static final Logger LOG = LoggerFactory.getLogger(GatewayServer.class);

  private final Vertx vertx;
  private final Router router;
  private final RequestLimits limits;
  private final List<String> deployments = new ArrayList<>();
  private final List<HttpServer> servers = new CopyOnWriteArrayList<>();

  private final AtomicBoolean draining = new AtomicBoolean();
  private IdentityCopies copies = IdentityCopies.none();
  private IdentityFiles files = IdentityFiles.none();
  private Tracer tracer = Tracer.none();
  private volatile ClientConnections connections;

  private GatewayServer(Vertx vertx, Router router, RequestLimits limits) {
    this.vertx = vertx;
    this.router = router;
    this.limits = limits;
  }

  /**
   * A server whose router answers, before any route: request limits (counted in {@code metrics}),
   * the access log; after every route: JSON 404 and 405.
   */
  public static GatewayServer create(Vertx vertx, CacheMetrics metrics) {
    RequestLimits limits = new RequestLimits(CacheMetrics.guarded(metrics));
    Router router = Router.router(vertx);
    router.route().handler(new AccessLog());
    router.route().handler(limits::check);
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
    return new GatewayServer(vertx, router, limits);
  }

  /** Traces the cached routes added after this with {@code tracer} (by default nothing is). */
  public GatewayServer tracing(Tracer tracer) {
    this.tracer = tracer;
    return this;
  }

  /** Serves each route (GET and HEAD) from its engine, counting refused requests. */
  public GatewayServer cachedRoutes(
      List<ServedRoute> routes, String namespace, CacheMetrics metrics) {
    return cachedRoutes(routes, namespace, metrics, 0, IdentityFiles.none());
  }

  /**
   * As above, writing identity answers from off-heap copies of the bodies' identity forms, at most
   * {@code identityCopyBytes} of them at once (0: none; see {@link #identityCopyBytes()}), and
   * sending those that find no room from files of at most {@code diskBytes} in {@code
   * diskDirectory} (0: none; see {@link #identityFileBytes()}).
   */
  public GatewayServer cachedRoutes(
      List<ServedRoute> routes,
      String namespace,
      CacheMetrics metrics,
      long identityCopyBytes,
      Path diskDirectory,
      long diskBytes) {
    return cachedRoutes(
        routes,
        namespace,
        metrics,
        identityCopyBytes,
        IdentityFiles.in(diskDirectory, diskBytes, LOG::warn));
  }

  private GatewayServer cachedRoutes(
      List<ServedRoute> routes,
      String namespace,
      CacheMetrics metrics,
      long identityCopyBytes,
      IdentityFiles identityFiles) {
    copies.close();
    copies = new IdentityCopies(identityCopyBytes);
    files.close();
    files = identityFiles;
    for (ServedRoute served : routes) {
      router
          .route(served.route().path())
          .method(HttpMethod.GET)
          .method(HttpMethod.HEAD)
          .handler(
              new CachedRouteHandler(
                  served.route(),
                  served.engine(),
                  namespace,
                  CacheMetrics.guarded(metrics),
                  copies,
                  files,
                  tracer));
    }
    return this;
  }

  /**
   * {@code GET /health} (liveness: 200 while the process serves) and {@code GET /ready} (readiness:
   * 503 once shutdown has begun), both showing the cache, upstream and Redis state.
   */
  public GatewayServer health(
      String cacheType, List<ServedRoute> routes, Optional<RedisProbe> redis) {
    HealthHandler health = new HealthHandler(cacheType, routes, redis);
    router.get("/health").handler(context -> health.answer(context, false));
    router.get("/ready").handler(context -> health.answer(context, draining.get()));
    return this;
  }

  /** {@code GET /metrics}: Prometheus's text format from {@code scrape}. */
  public GatewayServer metrics(Supplier<String> scrape) {
    router
        .get("/metrics")
        .handler(
            context ->
                context
                    .response()
                    .putHeader(HttpHeaders.CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8")
                    .end(scrape.get()));
    return this;
  }

  /**
   * The admin API under {@code /admin/api} and the dashboard page at {@code /admin}, both only when
   * {@code token} is set; without it everything under {@code /admin} is 404.
   */
  public GatewayServer admin(
      Optional<String> token,
      List<ServedRoute> routes,
      EntryCatalog catalog,
      String namespace,
      InstantSource clock,
      Supplier<Map<String, Object>> stats) {
    if (token.isEmpty()) {
      return this;
    }
    new AdminApi(
            token.get(), routes, catalog, namespace, clock, () -> withIdentityForms(stats.get()))
        .mount(router);
    router.getWithRegex("^/admin$").handler(context -> context.redirect("/admin/"));
    router
        .route("/admin/*")
        .method(HttpMethod.GET)
        .method(HttpMethod.HEAD)
        .handler(
            context -> {
              // The page needs nothing but its own files: forbid everything else.
              context
                  .response()
                  .putHeader(
                      "Content-Security-Policy",
                      "default-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'")
                  .putHeader("X-Content-Type-Options", "nosniff")
                  .putHeader("Referrer-Policy", "no-referrer");
              context.next();
            })
        .handler(StaticHandler.create("webroot/admin").setCachingEnabled(false));
    return this;
  }

  /**
   * Starts {@code instances} servers, each on its own event loop, on {@code config}'s port, holding
   * clients to its limits (recorded in {@code metrics}), and completes with the port they listen
   * on. They share one listening socket (Vert.x server sharing) and one count of connections. Port
   * 0 means a free port, picked here first because Vert.x shares only explicit ports. A port that
   * cannot be listened on (in use, or privileged) fails the future with a {@link
   * CacheGateException} that names it and says what to do.
   */
  public Future<Integer> listen(ServerConfig config, int instances, CacheMetrics metrics) {
    connections = new ClientConnections(config, CacheMetrics.guarded(metrics));
    int port = config.port();
    return (port != 0 ? listenOn(port, instances) : listenOn(freePort(), instances))
        .recover(failure -> Future.failedFuture(cannotListen(port, failure)));
  }

  /** Why the server could not listen on {@code port}, in one line for the operator. */
  static CacheGateException cannotListen(int port, Throwable failure) {
    Throwable cause = Failures.unwrap(failure);
    String message = String.valueOf(cause.getMessage());
    if (cause instanceof BindException && message.contains("in use")) {
      return new CacheGateException(
          "port "
              + port
              + " (PORT) is already in use: stop what listens there or set PORT to a free port",
          cause);
    }
    if (cause instanceof BindException && message.contains("ermission")) {
      return new CacheGateException(
          "port "
              + port
              + " (PORT) needs privileges this process does not have: set PORT to 1024 or above",
          cause);
    }
    return new CacheGateException(
        "cannot listen on port " + port + " (PORT): " + Failures.describe(cause), cause);
  }

  /** {@code stats} with the identity forms this server keeps beside the local tier. */
  private Map<String, Object> withIdentityForms(Map<String, Object> stats) {
    Map<String, Object> forms = new LinkedHashMap<>();
    forms.put("offHeapBytes", identityCopyBytes());
    forms.put("files", identityFiles());
    forms.put("fileBytes", identityFileBytes());
    Map<String, Object> all = new LinkedHashMap<>(stats);
    all.put("identityForms", forms);
    return all;
  }

  /**
   * Bytes of off-heap identity copies allocated and not yet freed: within the bound given to {@link
   * #cachedRoutes}, and 0 once {@link #close} is done and the last write using one is.
   */
  public long identityCopyBytes() {
    return copies.bytes();
  }

  /**
   * Bytes of identity files written and not yet closed: within the bound given to {@link
   * #cachedRoutes}, and 0 once {@link #close} is done and the last send using one is.
   */
  public long identityFileBytes() {
    return files.bytes();
  }

  /** Identity files kept now. */
  public long identityFiles() {
    return files.count();
  }

  /** Identity files that could not be written. */
  public long identityFileFailures() {
    return files.failures();
  }

  /** Client connections open now. */
  public int openConnections() {
    return connections == null ? 0 : connections.open();
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
              ServerVerticle verticle =
                  new ServerVerticle(router, port, servers, connections, limits);
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

  /**
   * Graceful stop: {@code /ready} answers 503 at once, then the servers stop accepting connections
   * and wait up to {@code grace} for requests in flight to finish.
   */
  public Future<Void> close(Duration grace) {
    draining.set(true);
    return Future.all(
            servers.stream()
                .map(server -> server.shutdown(grace.toMillis(), TimeUnit.MILLISECONDS))
                .toList())
        .compose(done -> Future.all(deployments.stream().map(vertx::undeploy).toList()))
        .<Void>mapEmpty()
        .onComplete(
            done -> {
              copies.close();
              files.close();
            });
  }

  /** One server on the event loop the verticle is deployed on. */
  private static final class ServerVerticle extends VerticleBase {
    private final Router router;
    private final List<HttpServer> servers;
    private final ClientConnections connections;
    private final RequestLimits limits;
    private volatile int port;

    ServerVerticle(
        Router router,
        int port,
        List<HttpServer> servers,
        ClientConnections connections,
        RequestLimits limits) {
      this.router = router;
      this.port = port;
      this.servers = servers;
      this.connections = connections;
      this.limits = limits;
    }

    @Override
    public Future<?> start() {
      return vertx
          .createHttpServer(
              new HttpServerOptions()
                  .setPort(port)
                  .setMaxInitialLineLength(RequestLimits.MAX_REQUEST_LINE_BYTES)
                  // Without HTTP/2 upgrades, Vert.x hands over each connection before reading it.
                  .setHttp2ClearTextEnabled(false)
                  // Every answer is written from its connection's event loop: Vert.x then writes
                  // straight to the channel instead of through a queue of about 4 KiB per
                  // connection that would let other threads write.
                  .setStrictThreadMode(true))
          .connectionHandler(connections::accept)
          .invalidRequestHandler(limits::refuseMalformed)
          .requestHandler(router)
          .listen()
          .onSuccess(
              server -> {
                port = server.actualPort();
                servers.add(server);
              });
    }
  }
}
