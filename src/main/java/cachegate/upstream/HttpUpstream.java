package cachegate.upstream;

import cachegate.config.OutboundProxy;
import cachegate.config.UpstreamConfig;
import cachegate.config.UpstreamField;
import cachegate.engine.CacheKey;
import cachegate.engine.CacheMetrics;
import cachegate.engine.RateHeaders;
import cachegate.engine.Upstream;
import cachegate.engine.UpstreamException;
import cachegate.engine.UpstreamResponse;
import cachegate.engine.UrlTemplate;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpClosedException;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.net.PemTrustOptions;
import io.vertx.core.net.ProxyOptions;
import io.vertx.core.net.ProxyType;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The upstream over HTTP, on the Vert.x HTTP client. The request is a {@code GET} of the route's
 * {@link UrlTemplate} filled with the key's normalised parameters, built from the key alone. Each
 * request has one deadline for connecting, sending and reading the whole body that is kept, or the
 * start of a body that is passed on; past it the request is reset and the future fails with a
 * TIMEOUT {@link UpstreamException}. A body passed on is cut when no byte of it moves for as long.
 * The route's added headers and query parameters ({@link UpstreamConfig#headers()}, {@link
 * UpstreamConfig#query()}) go with every request and nowhere else: messages name the request with
 * secret values as {@code ***}. Memory per answer is bounded whatever the upstream sends (see
 * {@link AnswerReader}). Thread-safe.
 */
public final class HttpUpstream implements Upstream {
  static final String JSON = "application/json";
  private static final int MAX_CONNECTIONS = 64;

  /**
   * How often idle connections past the keep-alive are closed (Vert.x's default is 1 s, which would
   * keep a connection up to a second longer than configured, closer to the upstream's own timeout).
   */
  private static final int POOL_CLEANER_PERIOD_MS = 100;

  /** The most bytes of a non-2xx answer's body read (and dropped) to keep its connection. */
  static final int MAX_ERROR_BODY_BYTES = 64 * 1024;

  // Set once at wiring, before the first request; volatile so every event loop sees it.
  private volatile RateHeaders.Listener rateHeaders = header -> {};
  private final Vertx vertx;
  private final UpstreamConfig config;
  private final UrlTemplate url;
  private final BodyLimits limits;
  private final HttpClient client;

  /** For a request sent once more: a new connection each time, closed after its answer. */
  private final HttpClient freshConnections;

  /** A context on each of Vert.x's event loops. */
  private final List<Context> loopContexts;

  /**
   * Calls {@code url}, filled with each key's parameters, within {@code config}'s timeout. Answers
   * up to {@code keepAtMost} bytes are gathered whole while {@code memory} has room for them;
   * others are passed on as they arrive; none may be longer than {@code maxBodyBytes}. Limits
   * reached are counted in {@code metrics} under {@code route}.
   */
  public HttpUpstream(
      Vertx vertx,
      UpstreamConfig config,
      UrlTemplate url,
      String route,
      long keepAtMost,
      long maxBodyBytes,
      ByteBudget memory,
      CacheMetrics metrics) {
    this.vertx = vertx;
    this.config = config;
    this.url = url;
    this.limits =
        new BodyLimits(keepAtMost, maxBodyBytes, memory, CacheMetrics.guarded(metrics), route);
    HttpClientOptions options =
        new HttpClientOptions()
            .setConnectTimeout((int) Math.min(Integer.MAX_VALUE, config.timeout().toMillis()))
            // RFC 9110 §4.3.4: the certificate must name the host asked for.
            .setVerifyHost(true);
    if (!config.tlsCaFile().isEmpty()) {
      options.setTrustOptions(new PemTrustOptions().addCertPath(config.tlsCaFile()));
    }
    if (!config.proxy().isDirect()) {
      options.setProxyOptions(proxyOptions(config.proxy()));
    }
    this.client =
        vertx.createHttpClient(
            new HttpClientOptions(options)
                .setKeepAlive(!config.keepAlive().isZero())
                .setKeepAliveTimeout((int) Math.max(1, config.keepAlive().toSeconds())),
            new PoolOptions()
                .setHttp1MaxSize(MAX_CONNECTIONS)
                .setCleanerPeriod(POOL_CLEANER_PERIOD_MS));
    this.freshConnections =
        vertx.createHttpClient(
            new HttpClientOptions(options).setKeepAlive(false),
            new PoolOptions().setHttp1MaxSize(MAX_CONNECTIONS));
    this.loopContexts = VertxInternals.loopContexts(vertx);
  }

  /**
   * Sends the request from the Vert.x event loop this is called on, when it is one: the engine
   * calls from where the last Redis reply arrived, which is the request's own event loop (see
   * {@code RedisStore}), and Vert.x would otherwise send from a loop of its choosing.
   */
  @Override
  public CompletableFuture<UpstreamResponse> fetch(CacheKey key) {
    for (Context context : loopContexts) {
      if (VertxInternals.isOnLoopOf(context)) {
        CompletableFuture<UpstreamResponse> result = new CompletableFuture<>();
        VertxInternals.emit(
            context,
            () ->
                send(key)
                    .whenComplete(
                        (answer, failure) -> {
                          if (failure != null) {
                            result.completeExceptionally(failure);
                          } else {
                            result.complete(answer);
                          }
                        }));
        return result;
      }
    }
    return send(key);
  }

  private CompletableFuture<UpstreamResponse> send(CacheKey key) {
    String address = withQuery(url.expand(key.params()), false);
    // What messages and logs name: secret values masked.
    String target = "GET " + withQuery(url.shown(key.params()), true);
    CompletableFuture<UpstreamResponse> result = new CompletableFuture<>();
    AtomicReference<HttpClientRequest> sent = new AtomicReference<>();
    long timer =
        vertx.setTimer(
            config.timeout().toMillis(),
            id -> {
              if (result.completeExceptionally(
                  UpstreamException.timeout(target, config.timeout()))) {
                Optional.ofNullable(sent.get()).ifPresent(HttpClientRequest::reset);
              }
            });
    attempt(client, address, target, sent)
        .recover(
            failure -> {
              if (!(failure instanceof HttpClosedException) || result.isDone()) {
                return Future.failedFuture(failure);
              }
              // RFC 9110 §9.2.2: a GET may be repeated. A pooled connection the upstream closed as
              // the request went out fails at once; a new connection, never a pooled one (the pool
              // may still hold the closing one), then answers it.
              return attempt(freshConnections, address, target, sent);
            })
        .onComplete(
            (answer, failure) -> {
              vertx.cancelTimer(timer);
              if (failure == null) {
                result.complete(answer);
              } else if (failure instanceof UpstreamException upstream) {
                result.completeExceptionally(upstream);
              } else {
                result.completeExceptionally(UpstreamException.unreachable(target, failure));
              }
            });
    return result;
  }

  /**
   * One request for {@code address} through {@code connections}: a 2xx answer gathered whole or
   * passed on as it arrives ({@link AnswerReader}), any other status a failure.
   */
  private Future<UpstreamResponse> attempt(
      HttpClient connections,
      String address,
      String target,
      AtomicReference<HttpClientRequest> sent) {
    RequestOptions options =
        new RequestOptions()
            .setMethod(HttpMethod.GET)
            .setAbsoluteURI(address)
            .putHeader(HttpHeaders.ACCEPT, JSON)
            // RFC 9110 §12.5.3: identity stays acceptable; an answer in gzip is read either way.
            .putHeader(
                HttpHeaders.ACCEPT_ENCODING,
                config.encoding() == UpstreamConfig.Encoding.GZIP ? "gzip" : "identity")
            // Past the whole-answer deadline, a passed-on answer must keep moving.
            .setIdleTimeout(config.timeout().toMillis());
    for (UpstreamField header : config.headers()) {
      options.putHeader(header.name(), header.value());
    }
    return connections
        .request(options)
        .compose(
            request -> {
              sent.set(request);
              // The body is asked for in the callback that receives the response, as Vert.x's
              // authors advise: a handler set later can miss chunks (eclipse-vertx/vert.x#6038).
              return request
                  .send()
                  .compose(
                      response -> {
                        rateHeaders.heard(response::getHeader);
                        int status = response.statusCode();
                        if (status >= 200 && status <= 299) {
                          return AnswerReader.read(target, request, response, limits);
                        }
                        UpstreamException failure =
                            UpstreamException.badStatus(
                                target,
                                status,
                                retryAfter(response.getHeader(HttpHeaders.RETRY_AFTER)));
                        return discard(request, response)
                            .transform(drained -> Future.failedFuture(failure));
                      });
            });
  }

  /**
   * Reads and drops the body of an answer that is not used, so that its connection can serve the
   * next request; past {@link #MAX_ERROR_BODY_BYTES} the connection is closed instead.
   */
  private static Future<Void> discard(HttpClientRequest request, HttpClientResponse response) {
    Promise<Void> drained = Promise.promise();
    long[] seen = {0};
    response.handler(
        chunk -> {
          seen[0] += chunk.length();
          if (seen[0] > MAX_ERROR_BODY_BYTES && drained.tryComplete()) {
            request.reset();
          }
        });
    response.exceptionHandler(failure -> drained.tryComplete());
    response.endHandler(end -> drained.tryComplete());
    return drained.future();
  }

  /**
   * {@code address} with the route's added query parameters, secret values masked if {@code shown}.
   */
  private String withQuery(String address, boolean shown) {
    if (config.query().isEmpty()) {
      return address;
    }
    StringBuilder url = new StringBuilder(address);
    char separator = address.indexOf('?') >= 0 ? '&' : '?';
    for (UpstreamField param : config.query()) {
      url.append(separator)
          .append(URLEncoder.encode(param.name(), StandardCharsets.UTF_8))
          .append('=')
          .append(shown ? param.shown() : URLEncoder.encode(param.value(), StandardCharsets.UTF_8));
      separator = '&';
    }
    return url.toString();
  }

  private static ProxyOptions proxyOptions(OutboundProxy proxy) {
    ProxyOptions options =
        new ProxyOptions()
            .setType(proxy.type() == OutboundProxy.Type.SOCKS5 ? ProxyType.SOCKS5 : ProxyType.HTTP)
            .setHost(proxy.host())
            .setPort(proxy.port());
    if (!proxy.username().isEmpty()) {
      options.setUsername(proxy.username()).setPassword(proxy.password());
    }
    return options;
  }

  /**
   * Tells {@code listener} the header fields of every answer, whatever its status, so that the
   * route's rate budget learns what the upstream says is left ({@link RateHeaders}).
   */
  public void reportRateHeadersTo(RateHeaders.Listener listener) {
    this.rateHeaders = listener;
  }

  /** Closes the connection pools. */
  public void close() {
    client.close();
    freshConnections.close();
  }

  /** RFC 9110 §10.2.3 {@code Retry-After}: delay-seconds or an HTTP-date. */
  static Optional<Duration> retryAfter(String header) {
    if (header == null || header.isBlank()) {
      return Optional.empty();
    }
    String value = header.strip();
    try {
      if (value.chars().allMatch(Character::isDigit)) {
        return Optional.of(Duration.ofSeconds(Long.parseLong(value)));
      }
      Duration until =
          Duration.between(
              Instant.now(), ZonedDateTime.parse(value, DateTimeFormatter.RFC_1123_DATE_TIME));
      return Optional.of(until.isNegative() ? Duration.ZERO : until);
    } catch (NumberFormatException | DateTimeParseException e) {
      return Optional.empty();
    }
  }
}
