package cachegate.upstream;

import cachegate.engine.UpstreamException;
import io.vertx.core.Context;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpClientResponse;
import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.Flow;

/**
 * The body of an upstream answer passed on as it arrives: first the chunks gathered before it was
 * found too large to keep, then the rest, a chunk per chunk its one subscriber requests (the
 * upstream response stays paused in between, so a slow client slows the upstream down instead of
 * filling memory). It goes on counting the bytes and checking they make one JSON value, and fails
 * the subscriber when the body grows past the largest allowed, stops being JSON, or the upstream
 * breaks off; a cancelled subscription closes the upstream connection. The gathered chunks hold
 * their bytes against the process's budget until they are handed on. Every signal runs on the
 * upstream response's event loop; calls from other threads are handed to it.
 */
final class PassedBody implements Flow.Publisher<ByteBuffer>, Flow.Subscription {
  private final String target;
  private final HttpClientRequest request;
  private final HttpClientResponse response;
  private final Context context;
  private final BodyLimits limits;
  private final JsonCheck json = new JsonCheck();
  private final Deque<Buffer> gathered;
  private long held;
  private long received;

  private Flow.Subscriber<? super ByteBuffer> subscriber;

  /** Chunks the subscriber asked for and has not been given. */
  private long demand;

  /** Chunks asked of the upstream response that have not arrived. */
  private long asked;

  private boolean ended;
  private Throwable failure;

  /** Whether the subscriber was told the end, or cancelled: nothing more happens. */
  private boolean done;

  /** Whether {@link #deliver} is running: a request made from the subscriber's onNext waits. */
  private boolean delivering;

  PassedBody(
      String target,
      HttpClientRequest request,
      HttpClientResponse response,
      Context context,
      BodyLimits limits,
      List<Buffer> gathered,
      long held,
      long received) {
    this.target = target;
    this.request = request;
    this.response = response;
    this.context = context;
    this.limits = limits;
    this.gathered = new ArrayDeque<>(gathered);
    this.held = held;
    this.received = received;
    response.pause();
    response.handler(this::arrived);
    response.exceptionHandler(this::broke);
    response.endHandler(end -> ended());
    for (Buffer chunk : this.gathered) {
      if (!json.feed(VertxInternals.byteBuf(chunk))) {
        fail(UpstreamException.invalidBody(target, response.statusCode(), "not JSON"));
        break;
      }
    }
  }

  @Override
  public void subscribe(Flow.Subscriber<? super ByteBuffer> subscriber) {
    onContext(
        () -> {
          if (this.subscriber != null) {
            subscriber.onSubscribe(this);
            subscriber.onError(new IllegalStateException("a passed-on body has one subscriber"));
            return;
          }
          this.subscriber = subscriber;
          subscriber.onSubscribe(this);
          deliver();
        });
  }

  @Override
  public void request(long count) {
    onContext(
        () -> {
          demand += count;
          deliver();
        });
  }

  @Override
  public void cancel() {
    onContext(
        () -> {
          if (!done) {
            done = true;
            request.reset();
            letGo();
          }
        });
  }

  private void arrived(Buffer chunk) {
    asked = Math.max(0, asked - 1);
    if (done || failure != null) {
      return;
    }
    received += chunk.length();
    if (received > limits.maxBodyBytes()) {
      limits.reached(BodyLimits.TOO_LARGE);
      // Failed before the reset, whose own failure would otherwise be the one reported.
      fail(
          UpstreamException.invalidBody(
              target,
              response.statusCode(),
              "body longer than " + limits.maxBodyBytes() + " bytes: cut"));
      request.reset();
      return;
    }
    if (!json.feed(VertxInternals.byteBuf(chunk))) {
      fail(UpstreamException.invalidBody(target, response.statusCode(), "stopped being JSON"));
      request.reset();
      return;
    }
    gathered.add(chunk);
    deliver();
  }

  private void ended() {
    if (done || failure != null) {
      return;
    }
    if (json.end().isPresent()) {
      fail(UpstreamException.invalidBody(target, response.statusCode(), json.end().get()));
      return;
    }
    ended = true;
    deliver();
  }

  private void broke(Throwable cause) {
    fail(
        cause instanceof UpstreamException upstream
            ? upstream
            : UpstreamException.unreachable(target, cause));
  }

  private void fail(Throwable cause) {
    if (done || failure != null) {
      return;
    }
    failure = cause;
    letGo();
    deliver();
  }

  /** Hands the subscriber what it asked for and what there is, then asks the upstream for more. */
  private void deliver() {
    if (subscriber == null || done || delivering) {
      return;
    }
    delivering = true;
    try {
      deliverNow();
    } finally {
      delivering = false;
    }
  }

  private void deliverNow() {
    if (failure != null) {
      deliverFailure();
      return;
    }
    while (demand > 0 && !gathered.isEmpty()) {
      demand--;
      Buffer chunk = gathered.poll();
      if (gathered.isEmpty() && held > 0) {
        limits.memory().give(held);
        held = 0;
      }
      subscriber.onNext(VertxInternals.byteBuf(chunk).nioBuffer());
      if (done || failure != null) {
        deliverFailure();
        return;
      }
    }
    if (gathered.isEmpty() && ended) {
      done = true;
      subscriber.onComplete();
    } else if (gathered.isEmpty() && demand > asked) {
      response.fetch(demand - asked);
      asked = demand;
    }
  }

  private void deliverFailure() {
    if (!done && failure != null) {
      done = true;
      subscriber.onError(failure);
    }
  }

  private void letGo() {
    limits.memory().give(held);
    held = 0;
    gathered.clear();
  }

  private void onContext(Runnable action) {
    VertxInternals.runOn(context, action);
  }
}
