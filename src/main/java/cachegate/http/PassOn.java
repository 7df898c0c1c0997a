package cachegate.http;

import cachegate.engine.PassThrough;
import io.netty.buffer.Unpooled;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import java.nio.ByteBuffer;
import java.util.concurrent.Flow;

/**
 * Sends an upstream answer passed on as it arrives ({@link PassThrough}): its status, type and
 * length when the upstream announced one (else chunked), {@code X-Cache} and a {@code Cache-Status}
 * that says why it was not stored, then its chunks, unchanged, one at a time: the next chunk is
 * asked of the upstream only once the last one has been written to the client's socket, so a slow
 * client slows the upstream down and holds one chunk in memory, not the answer. When the body
 * breaks off (the upstream failed, sent more than allowed, or stopped sending JSON) the connection
 * is closed before the body's end, so the client sees a cut answer, never a complete-looking one. A
 * client that goes away cancels the body, which closes the upstream connection. Writes happen on
 * the request's event loop, as the server's strict thread mode requires.
 */
final class PassOn implements Flow.Subscriber<ByteBuffer> {
  private final HttpServerRequest request;
  private final HttpServerResponse response;
  private final Context context;
  private Flow.Subscription subscription;

  private PassOn(HttpServerRequest request, HttpServerResponse response, Context context) {
    this.request = request;
    this.response = response;
    this.context = context;
  }

  /**
   * Sends {@code passed} as the answer to {@code request}, with {@code vary} as its {@code Vary};
   * on the request's event loop.
   */
  static void send(
      HttpServerRequest request,
      HttpServerResponse response,
      PassThrough passed,
      CharSequence vary) {
    if (response.closed() || request.method() == HttpMethod.HEAD) {
      passed.body().discard();
      if (!response.closed()) {
        headers(response, passed, vary).end();
      }
      return;
    }
    headers(response, passed, vary);
    if (passed.body().length().isEmpty()) {
      response.setChunked(true);
    }
    passed.body().chunks().subscribe(new PassOn(request, response, Vertx.currentContext()));
  }

  private static HttpServerResponse headers(
      HttpServerResponse response, PassThrough passed, CharSequence vary) {
    response
        .setStatusCode(passed.status())
        .putHeader(HttpHeaders.CONTENT_TYPE, passed.contentType())
        .putHeader(HttpHeaders.VARY, vary)
        .putHeader(CachedRouteHandler.X_CACHE, passed.outcome().header())
        .putHeader(CachedRouteHandler.CACHE_STATUS, CacheStatus.of(passed))
        .putHeader(HttpHeaders.AGE, "0");
    passed
        .body()
        .length()
        .ifPresent(
            length -> response.putHeader(HttpHeaders.CONTENT_LENGTH, String.valueOf(length)));
    passed.headers().forEach(header -> response.headers().add(header.getKey(), header.getValue()));
    return response;
  }

  @Override
  public void onSubscribe(Flow.Subscription subscription) {
    onLoop(
        () -> {
          this.subscription = subscription;
          response.closeHandler(closed -> subscription.cancel());
          subscription.request(1);
        });
  }

  @Override
  public void onNext(ByteBuffer chunk) {
    onLoop(
        () -> {
          if (response.closed()) {
            subscription.cancel();
            return;
          }
          response
              .write(VertxInternals.buffer(Unpooled.wrappedBuffer(chunk)))
              .onComplete(
                  (written, failure) -> {
                    if (failure == null) {
                      subscription.request(1);
                    } else {
                      subscription.cancel();
                    }
                  });
        });
  }

  @Override
  public void onError(Throwable failure) {
    onLoop(
        () -> {
          if (!response.headWritten()) {
            response.headers().clear();
            response.setChunked(false);
            ErrorResponses.send(response, failure);
          } else if (!response.closed()) {
            request.connection().close();
          }
        });
  }

  @Override
  public void onComplete() {
    onLoop(
        () -> {
          if (!response.closed()) {
            response.end();
          }
        });
  }

  private void onLoop(Runnable action) {
    if (Vertx.currentContext() == context) {
      action.run();
    } else {
      context.runOnContext(ignored -> action.run());
    }
  }
}
