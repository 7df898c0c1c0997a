package cachegate.http;

import cachegate.engine.Answer;
import cachegate.engine.CacheEngine;
import cachegate.engine.CacheKey;
import cachegate.engine.CacheMetrics;
import cachegate.engine.CacheOutcome;
import cachegate.engine.CacheResult;
import cachegate.engine.CachedResponse;
import cachegate.engine.InvalidRequestException;
import cachegate.engine.PassThrough;
import cachegate.engine.ResponseBody;
import cachegate.engine.Route;
import cachegate.engine.Span;
import cachegate.engine.Tracer;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.RoutingContext;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * Serves one cached route for GET and HEAD: parses and validates the query into a key (400 before
 * anything else is touched), asks the engine, and writes the answer with headers derived from the
 * engine's result. Bodies are sent as stored: gzip to clients that accept it, identity to others,
 * never re-encoded per request.
 */
final class CachedRouteHandler implements Handler<RoutingContext> {
  // Header names and constant values as Netty's AsciiString: encoded by a copy of their bytes,
  // not character by character, on every answer.
  static final CharSequence X_CACHE = HttpHeaders.createOptimized("X-Cache");
  static final CharSequence CACHE_STATUS = HttpHeaders.createOptimized("Cache-Status");
  private static final CharSequence GZIP = HttpHeaders.createOptimized("gzip");
  private static final String JSON_TYPE = "application/json";
  private static final CharSequence JSON = HttpHeaders.createOptimized(JSON_TYPE);
  private static final Map<CacheOutcome, CharSequence> OUTCOMES = new EnumMap<>(CacheOutcome.class);

  static {
    for (CacheOutcome outcome : CacheOutcome.values()) {
      OUTCOMES.put(outcome, HttpHeaders.createOptimized(outcome.header()));
    }
  }

  /** The most bytes of a large stored body handed to the connection in one write. */
  static final int PIECE = 64 * 1024;

  private final Route route;
  private final CacheEngine engine;
  private final String namespace;
  private final CacheMetrics metrics;
  private final IdentityCopies copies;
  private final IdentityFiles files;
  private final Tracer tracer;
  private final String spanName;

  /** {@code Vary}: the representation's header, and those the route's keys vary by. */
  private final CharSequence vary;

  CachedRouteHandler(
      Route route,
      CacheEngine engine,
      String namespace,
      CacheMetrics metrics,
      IdentityCopies copies,
      IdentityFiles files,
      Tracer tracer) {
    this.route = route;
    this.engine = engine;
    this.namespace = namespace;
    this.metrics = metrics;
    this.copies = copies;
    this.files = files;
    this.tracer = tracer;
    this.spanName = " " + route.path();
    this.vary = vary(route);
  }

  /**
   * RFC 9110 §12.5.5: {@code Accept-Encoding}, which picks the representation, and each header the
   * route's keys vary by, named as configured.
   */
  static CharSequence vary(Route route) {
    if (!route.varies()) {
      return HttpHeaders.ACCEPT_ENCODING;
    }
    return HttpHeaders.createOptimized(
        "Accept-Encoding, " + String.join(", ", route.varyHeaders()));
  }

  @Override
  public void handle(RoutingContext context) {
    HttpServerResponse response = context.response();
    CacheKey key;
    try {
      HttpServerRequest request = context.request();
      key = route.key(namespace, QueryString.parse(request.query()), request.headers()::getAll);
    } catch (InvalidRequestException refused) {
      metrics.rejected(route.name());
      ErrorResponses.send(response, refused);
      return;
    } catch (RuntimeException bug) {
      // Not the client's fault: a 500, logged with its stack trace by ErrorResponses.
      metrics.error(route.name());
      ErrorResponses.send(response, bug);
      return;
    }
    CompletableFuture<Answer> answer = engine.get(key, span(context));
    if (answer.isDone()) {
      // A hit from the local tier completes at once, on this event loop: answer without a hop.
      answer.whenComplete((result, failure) -> answer(context, result, failure));
    } else {
      Future.fromCompletionStage(answer, Vertx.currentContext())
          .onComplete((result, failure) -> answer(context, result, failure));
    }
  }

  /**
   * The request's server span, continuing the client's trace ({@code traceparent}), with the HTTP
   * semantic conventions' attributes; it ends when the response does. None when tracing is off.
   */
  private Span span(RoutingContext context) {
    if (!tracer.isTracing()) {
      return Span.none();
    }
    HttpServerRequest request = context.request();
    String method = request.method().name();
    Span span =
        tracer
            .serverSpan(method + spanName, request::getHeader)
            .attribute("http.request.method", method)
            .attribute("http.route", route.path())
            .attribute("url.path", request.path())
            .attribute("url.scheme", request.scheme() == null ? "http" : request.scheme());
    String query = request.query();
    if (query != null) {
      span.attribute("url.query", query);
    }
    String agent = request.getHeader(HttpHeaders.USER_AGENT);
    if (agent != null) {
      span.attribute("user_agent.original", agent);
    }
    context.put(AccessLog.TRACE_ID, span.reference().traceId());
    context.addEndHandler(
        done -> {
          int status = context.response().getStatusCode();
          span.attribute("http.response.status_code", status);
          if (done.failed()) {
            span.failed(done.cause());
          } else if (status >= 500) {
            span.failed(new IllegalStateException("answered " + status));
          }
          span.end();
        });
    return span;
  }

  private void answer(RoutingContext context, Answer answer, Throwable failure) {
    if (failure != null) {
      ErrorResponses.send(context.response(), failure);
      return;
    }
    context.put(AccessLog.OUTCOME, answer.outcome().header());
    if (answer instanceof PassThrough passed) {
      PassOn.send(context.request(), context.response(), passed, vary);
    } else {
      send(context.request(), context.response(), (CacheResult) answer);
    }
  }

  private void send(HttpServerRequest request, HttpServerResponse response, CacheResult result) {
    if (response.closed()) {
      return;
    }
    CachedResponse entry = result.entry();
    ResponseBody body = entry.body();
    boolean gzip = Negotiation.acceptsGzip(request.getHeader(HttpHeaders.ACCEPT_ENCODING));
    String type = entry.contentType();
    response
        .putHeader(HttpHeaders.CONTENT_TYPE, type.equals(JSON_TYPE) ? JSON : type)
        .putHeader(HttpHeaders.VARY, vary)
        .putHeader(X_CACHE, OUTCOMES.get(result.outcome()))
        .putHeader(CACHE_STATUS, CacheStatus.of(result))
        .putHeader(HttpHeaders.AGE, String.valueOf(result.age().toSeconds()));
    if (gzip) {
      response.putHeader(HttpHeaders.CONTENT_ENCODING, GZIP);
    }
    // RFC 9110 §13.2.1: preconditions apply to 2xx answers only; a cached 404 or 410 carries no
    // validator and is sent whole whatever If-None-Match says.
    boolean conditional = entry.isSuccess();
    if (conditional) {
      response.putHeader(HttpHeaders.ETAG, gzip ? body.gzipEtag() : body.etag());
    }
    result
        .passThrough()
        .forEach(header -> response.headers().add(header.getKey(), header.getValue()));
    // RFC 9110 §13.1.2: a matching If-None-Match on GET or HEAD answers 304 without a body.
    if (conditional && Negotiation.matchesAny(request.getHeader(HttpHeaders.IF_NONE_MATCH), body)) {
      response.setStatusCode(304).end();
      return;
    }
    if (request.method() == HttpMethod.HEAD) {
      int length = gzip ? body.gzip().length : body.identityLength();
      response
          .setStatusCode(entry.status())
          .putHeader(HttpHeaders.CONTENT_LENGTH, String.valueOf(length))
          .end();
      return;
    }
    response.setStatusCode(entry.status());
    if (gzip) {
      writeShared(response, body.gzip());
      return;
    }
    ByteBuf copy;
    try {
      copy = copies.claim(body).orElse(null);
    } catch (IllegalStateException e) {
      response.headers().clear();
      ErrorResponses.send(response, e);
      return;
    }
    if (copy != null) {
      writeClaimed(response, copy);
      return;
    }
    if (body.holdsIdentity()) {
      writeShared(response, body.identity());
      return;
    }
    // No room for an off-heap copy: the body's file, sent by the kernel from its page cache.
    IdentityFiles.FileCopy file = files.claim(body).orElse(null);
    if (file != null) {
      try {
        response.sendFile(file.channel(), 0, file.length()).onComplete(sent -> file.release());
      } catch (RuntimeException e) {
        file.release();
        throw e;
      }
      return;
    }
    ByteBuf inflated;
    try {
      inflated = inflate(body);
    } catch (IllegalStateException e) {
      response.headers().clear();
      ErrorResponses.send(response, e);
      return;
    }
    // Vert.x writes an unreleasable view of the buffer, so the pooled one is released here.
    response.end(VertxInternals.buffer(inflated)).onComplete(written -> inflated.release());
  }

  /**
   * Writes stored bytes, wrapped, not copied (they are never modified). A body larger than two
   * {@link #PIECE}s goes in pieces: the JDK copies a heap buffer's remaining bytes into a direct
   * buffer at every attempt to write it, so a client that reads slowly would cost a copy of the
   * rest of a large body each time it takes a little; a piece bounds that copy.
   */
  private static void writeShared(HttpServerResponse response, byte[] bytes) {
    if (bytes.length <= 2 * PIECE) {
      response.end(wrap(bytes, 0, bytes.length));
      return;
    }
    response.putHeader(HttpHeaders.CONTENT_LENGTH, String.valueOf(bytes.length));
    int at = 0;
    for (; bytes.length - at > PIECE; at += PIECE) {
      response.write(wrap(bytes, at, PIECE));
    }
    response.end(wrap(bytes, at, bytes.length - at));
  }

  /**
   * Writes a claimed off-heap copy as views of it, in pieces as {@link #writeShared} does, and
   * gives the claim back once the last piece is written (or the connection is gone).
   */
  private static void writeClaimed(HttpServerResponse response, ByteBuf copy) {
    int length = copy.readableBytes();
    if (length > 2 * PIECE) {
      response.putHeader(HttpHeaders.CONTENT_LENGTH, String.valueOf(length));
    }
    try {
      int at = 0;
      for (; length > 2 * PIECE && length - at > PIECE; at += PIECE) {
        response.write(VertxInternals.buffer(copy.slice(at, PIECE)));
      }
      response
          .end(VertxInternals.buffer(copy.slice(at, length - at)))
          .onComplete(written -> copy.release());
    } catch (RuntimeException e) {
      copy.release();
      throw e;
    }
  }

  private static Buffer wrap(byte[] bytes, int offset, int length) {
    return VertxInternals.buffer(Unpooled.wrappedBuffer(bytes, offset, length));
  }

  /**
   * A body read from Redis whose identity form is not kept (the local tier is off), inflated
   * straight into a pooled buffer that is returned to its pool once written: no array of the body's
   * size per answer for the garbage collector.
   */
  private static ByteBuf inflate(ResponseBody body) {
    int length = body.identityLength();
    ByteBuf pooled = ByteBufAllocator.DEFAULT.directBuffer(length);
    try {
      body.decompressInto(pooled.nioBuffer(0, length));
    } catch (RuntimeException e) {
      pooled.release();
      throw e;
    }
    return pooled.writerIndex(length);
  }
}
