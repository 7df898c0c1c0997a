package cachegate.upstream;

import cachegate.config.UpstreamConfig;
import cachegate.engine.CacheKey;
import cachegate.engine.Upstream;
import cachegate.engine.UpstreamException;
import cachegate.engine.UpstreamResponse;
import cachegate.engine.UrlTemplate;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import io.netty.channel.EventLoop;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpClosedException;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.internal.ContextInternal;
import io.vertx.core.internal.VertxInternal;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The upstream over HTTP, on the Vert.x HTTP client. The request is a {@code GET} of the route's
 * {@link UrlTemplate} filled with the key's normalised parameters, built from the key alone. Each
 * request has one deadline for connecting, sending and reading the whole body; past it the request
 * is reset and the future fails with a TIMEOUT {@link UpstreamException}. Thread-safe.
 */
public final class HttpUpstream implements Upstream {
  static final String JSON = "application/json";
  private static final JsonFactory JSON_FACTORY = new JsonFactory();
  private static final int MAX_CONNECTIONS = 64;

  /**
   * How often idle connections past the keep-alive are closed (Vert.x's default is 1 s, which would
   * keep a connection up to a second longer than configured, closer to the upstream's own timeout).
   */
  private static final int POOL_CLEANER_PERIOD_MS = 100;

  /**
   * The largest announced upstream body read at all (bodies over CACHE_MAX_ENTRY_BYTES are not
   * stored).
   */
  static final int MAX_BODY_BYTES = 64 * 1024 * 1024;

  private final Vertx vertx;
  private final UpstreamConfig config;
  private final UrlTemplate url;
  private final HttpClient client;

  /** For a request sent once more: a new connection each time, closed after its answer. */
  private final HttpClient freshConnections;

  /** A context on each of Vert.x's event loops. */
  private final List<ContextInternal> loopContexts;

  /** Calls {@code url}, filled with each key's parameters, within {@code config}'s timeout. */
  public HttpUpstream(Vertx vertx, UpstreamConfig config, UrlTemplate url) {
    this.vertx = vertx;
    this.config = config;
    this.url = url;
    HttpClientOptions options =
        new HttpClientOptions()
            .setConnectTimeout((int) Math.min(Integer.MAX_VALUE, config.timeout().toMillis()));
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
    VertxInternal internal = (VertxInternal) vertx;
    List<ContextInternal> contexts = new ArrayList<>();
    internal
        .nettyEventLoopGroup()
        .forEach(
            loop ->
                contexts.add(internal.contextBuilder().withEventLoop((EventLoop) loop).build()));
    this.loopContexts = List.copyOf(contexts);
  }

  /**
   * Sends the request from the Vert.x event loop this is called on, when it is one: the engine
   * calls from where the last Redis reply arrived, which is the request's own event loop (see
   * {@code RedisStore}), and Vert.x would otherwise send from a loop of its choosing.
   */
  @Override
  public CompletableFuture<UpstreamResponse> fetch(CacheKey key) {
    for (ContextInternal context : loopContexts) {
      if (context.nettyEventLoop().inEventLoop()) {
        CompletableFuture<UpstreamResponse> result = new CompletableFuture<>();
        context.emit(
            key,
            k ->
                send(k)
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
    String address = url.expand(key.params());
    String target = "GET " + address;
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

  /** One request for {@code address} through {@code connections}, read to its end. */
  private Future<UpstreamResponse> attempt(
      HttpClient connections,
      String address,
      String target,
      AtomicReference<HttpClientRequest> sent) {
    return connections
        .request(
            new RequestOptions()
                .setMethod(HttpMethod.GET)
                .setAbsoluteURI(address)
                .putHeader(HttpHeaders.ACCEPT, JSON))
        .compose(
            request -> {
              sent.set(request);
              // The body is asked for in the callback that receives the response, as Vert.x's
              // authors advise for requests started off the event loop (this one may start on a
              // Redis client thread): asked for in a later link of the chain, it can be asked for
              // after the response has ended and never arrive (eclipse-vertx/vert.x#4705, #6038).
              return request
                  .send()
                  .compose(
                      response ->
                          bounded(target, response).map(body -> usable(target, response, body)));
            });
  }

  /**
   * The whole body, refused without reading it when the upstream announces more than {@link
   * #MAX_BODY_BYTES}, so that a runaway upstream cannot exhaust the heap. (A chunked body without a
   * length is read whole: Vert.x delivers the body only through {@code body()} reliably here.)
   */
  private static Future<Buffer> bounded(String target, HttpClientResponse response) {
    String length = response.getHeader(HttpHeaders.CONTENT_LENGTH);
    if (length != null
        && length.chars().allMatch(Character::isDigit)
        && length.length() < 19
        && Long.parseLong(length) > MAX_BODY_BYTES) {
      response.request().reset();
      return Future.failedFuture(
          UpstreamException.invalidBody(
              target,
              response.statusCode(),
              "body of " + length + " bytes, more than " + MAX_BODY_BYTES));
    }
    return response.body();
  }

  /** Closes the connection pools. */
  public void close() {
    client.close();
    freshConnections.close();
  }

  private static UpstreamResponse usable(String target, HttpClientResponse response, Buffer body) {
    int status = response.statusCode();
    if (status < 200 || status > 299) {
      throw UpstreamException.badStatus(
          target, status, retryAfter(response.getHeader(HttpHeaders.RETRY_AFTER)));
    }
    byte[] bytes = body.getBytes();
    jsonProblem(bytes)
        .ifPresent(
            problem -> {
              throw UpstreamException.invalidBody(target, status, problem);
            });
    String type = response.getHeader(HttpHeaders.CONTENT_TYPE);
    String cacheControl = response.getHeader(HttpHeaders.CACHE_CONTROL);
    return new UpstreamResponse(
        status,
        type != null && type.contains("json") ? type : JSON,
        bytes,
        response.cookies(),
        cacheControl == null ? "" : cacheControl);
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

  /** Checks that {@code body} is exactly one JSON value, by streaming over it without a tree. */
  static Optional<String> jsonProblem(byte[] body) {
    try (JsonParser parser = JSON_FACTORY.createParser(body)) {
      if (parser.nextToken() == null) {
        return Optional.of("empty body");
      }
      parser.skipChildren();
      if (parser.nextToken() != null) {
        return Optional.of("more content after the JSON value");
      }
      return Optional.empty();
    } catch (JsonProcessingException e) {
      return Optional.of(e.getOriginalMessage());
    } catch (IOException e) {
      return Optional.of(e.toString());
    }
  }
}
