package cachegate.upstream;

import cachegate.config.OutboundProxy;
import cachegate.config.UpstreamConfig;
import cachegate.config.UpstreamField;
import cachegate.engine.CacheKey;
import cachegate.engine.CacheMetrics;
import cachegate.engine.CachePolicy;
import cachegate.engine.RateHeaders;
import cachegate.engine.Span;
import cachegate.engine.Upstream;
import cachegate.engine.UpstreamBody;
import cachegate.engine.UpstreamException;
import cachegate.engine.UpstreamResponse;
import cachegate.engine.UrlTemplate;
import cachegate.engine.Validators;
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
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
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
 * secret values as {@code ***}. A key's {@linkplain CacheKey#forwardedHeaders() forwarded request
 * headers} go too, except those cachegate sets itself ({@code Accept}) or that the route's own
 * headers set: the configured value wins, so a client cannot replace a route's credentials. Memory
 * per answer is bounded whatever the upstream sends (see {@link AnswerReader}). A refresh of a
 * stored entry is conditional ({@code If-None-Match}, {@code If-Modified-Since}) when the entry has
 * the upstream's validators, and a {@code 304} to it is an answer. A 4xx is an answer for the
 * client (read as a 2xx is), except 408 and 429 (the upstream could not or would not answer now)
 * and, from an upstream cachegate sends credentials to, 401 and 403: those credentials are refused,
 * which only the operator can fix. Thread-safe.
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
  private final String route;

  /** Lower-case names of the headers a forwarded one may not replace. */
  private final Set<String> ownHeaders;

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
    Set<String> own = new HashSet<>(Set.of("accept"));
    config.headers().forEach(header -> own.add(header.name().toLowerCase(Locale.ROOT)));
    this.ownHeaders = Set.copyOf(own);
    this.route = route;
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
   * {@code RedisStore}), and Vert.x would otherwise send from a loop of its choosing. The request's
   * events run on that loop; its connection is the one the pool (shared by all loops) used last,
   * whose reads and writes run on the loop that opened it, so a miss on another loop hands its
   * request to that loop and gets its answer back from it (bench/RESULTS.md, "Misses: flags and
   * thread wake-ups").
   */
  @Override
  public CompletableFuture<UpstreamResponse> fetch(CacheKey key, Validators validators) {
    return fetch(key, validators, Span.none());
  }

  /**
   * As {@link #fetch(CacheKey, Validators)}, sending {@code span}'s W3C trace context ({@code
   * traceparent}, {@code tracestate}) with the request, and telling the span what was asked and
   * answered (HTTP semantic conventions; the URL with secret values masked).
   */
  @Override
  public CompletableFuture<UpstreamResponse> fetch(CacheKey key, Validators validators, Span span) {
    for (Context context : loopContexts) {
      if (VertxInternals.isOnLoopOf(context)) {
        CompletableFuture<UpstreamResponse> result = new CompletableFuture<>();
        VertxInternals.emit(
            context,
            () ->
                send(key, validators, span)
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
    return send(key, validators, span);
  }

  private CompletableFuture<UpstreamResponse> send(CacheKey key, Validators validators, Span span) {
    String address = withQuery(url.expand(key.params()), false);
    // What messages, logs and spans name: secret values masked.
    String shown = withQuery(url.shown(key.params()), true);
    String target = "GET " + shown;
    span.attribute("http.request.method", "GET").attribute("url.full", shown);
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
    attempt(client, key, address, target, validators, sent, span)
        .recover(
            failure -> {
              if (!(failure instanceof HttpClosedException) || result.isDone()) {
                return Future.failedFuture(failure);
              }
              // RFC 9110 §9.2.2: a GET may be repeated. A pooled connection the upstream closed as
              // the request went out fails at once; a new connection, never a pooled one (the pool
              // may still hold the closing one), then answers it.
              return attempt(freshConnections, key, address, target, validators, sent, span);
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
   * One request for {@code address} through {@code connections}, conditional when {@code
   * validators} are present: a 2xx or 4xx answer gathered whole or passed on as it arrives ({@link
   * AnswerReader}), a 304 to the conditional request, or a failure.
   */
  private Future<UpstreamResponse> attempt(
      HttpClient connections,
      CacheKey key,
      String address,
      String target,
      Validators validators,
      AtomicReference<HttpClientRequest> sent,
      Span span) {
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
    key.forwardedHeaders()
        .forEach(
            (name, value) -> {
              if (!ownHeaders.contains(name)) {
                options.putHeader(name, value);
              }
            });
    for (UpstreamField header : config.headers()) {
      options.putHeader(header.name(), header.value());
    }
    // RFC 9111 §4.3.1: a refresh sends the stored answer's validators.
    if (!validators.etag().isEmpty()) {
      options.putHeader(HttpHeaders.IF_NONE_MATCH, validators.etag());
    }
    if (!validators.lastModified().isEmpty()) {
      options.putHeader(HttpHeaders.IF_MODIFIED_SINCE, validators.lastModified());
    }
    span.propagate((name, value) -> options.putHeader(name, value));
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
                        span.attribute("http.response.status_code", response.statusCode());
                        return answer(target, validators, request, response);
                      });
            });
  }

  /** What {@code response} is: an answer read as it arrives, a 304, or a failure. */
  private Future<UpstreamResponse> answer(
      String target,
      Validators validators,
      HttpClientRequest request,
      HttpClientResponse response) {
    int status = response.statusCode();
    if (isAnswer(status)) {
      return AnswerReader.read(target, request, response, limits);
    }
    if (status == UpstreamResponse.NOT_MODIFIED && validators.isPresent()) {
      UpstreamResponse notModified =
          new UpstreamResponse(
              status,
              JSON,
              new UpstreamBody.Whole(new byte[0]),
              response.cookies(),
              header(response, HttpHeaders.CACHE_CONTROL),
              validators(response, limits),
              header(response, HttpHeaders.EXPIRES),
              header(response, HttpHeaders.DATE));
      return discard(request, response).map(drained -> notModified);
    }
    UpstreamException failure =
        (status == 401 || status == 403) && config.sendsCredentials()
            ? UpstreamException.credentialsRefused(target, status, route)
            : UpstreamException.badStatus(
                target, status, retryAfter(response.getHeader(HttpHeaders.RETRY_AFTER)));
    return discard(request, response).transform(drained -> Future.failedFuture(failure));
  }

  /**
   * Whether an answer of {@code status} goes to the client: 2xx, and 4xx other than 408 and 429
   * (and 401 and 403 when cachegate sends credentials: the client cannot fix cachegate's key).
   */
  private boolean isAnswer(int status) {
    if (status >= 200 && status <= 299) {
      return true;
    }
    if ((status == 401 || status == 403) && config.sendsCredentials()) {
      return false;
    }
    return CachePolicy.isCacheableStatus(status);
  }

  /**
   * The upstream's {@code ETag} and {@code Last-Modified}, to send back on refresh. One longer than
   * {@link Validators#MAX_LENGTH} is not kept (its entry is refreshed unconditionally), and
   * counted.
   */
  static Validators validators(HttpClientResponse response, BodyLimits limits) {
    Optional<String> etag = Optional.ofNullable(response.getHeader(HttpHeaders.ETAG));
    Optional<String> lastModified =
        Optional.ofNullable(response.getHeader(HttpHeaders.LAST_MODIFIED));
    if (etag.orElse("").length() > Validators.MAX_LENGTH
        || lastModified.orElse("").length() > Validators.MAX_LENGTH) {
      limits.reached(BodyLimits.VALIDATOR_TOO_LONG);
    }
    return Validators.of(etag, lastModified);
  }

  private static String header(HttpClientResponse response, CharSequence name) {
    String value = response.getHeader(name);
    return value == null ? "" : value;
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
