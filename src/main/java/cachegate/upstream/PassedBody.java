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
 * their bytes against the process's budget until they are handed on. A gzip body is handed on
 * inflated, a piece at a time as the subscriber asks (so it reaches the client as identity bytes
 * whatever it asked for), its inflated bytes counted against the largest answer allowed and checked
 * to be JSON: a gzip bomb is cut there, never inflated further. Every signal runs on the upstream
 * response's event loop; calls from other threads are handed to it.
 */
final class PassedBody implements Flow.Publisher<ByteBuffer>, Flow.Subscription {
  private final String target;
  private final HttpClientRequest request;
  private final HttpClientResponse response;
  private final Context context;
  private final BodyLimits limits;
  private final JsonCheck json = new JsonCheck();
  private final Deque<Buffer> gathered;

  /**
   * Inflates a gzip body a piece at a time as the subscriber asks, checked and counted as inflated
   * bytes; null for a body that arrived uncompressed.
   */
  private final GzipDecoder decoder;

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
      long received,
      boolean gzipped) {
    this.target = target;
    this.request = request;
    this.response = response;
    this.context = context;
    this.limits = limits;
    this.gathered = new ArrayDeque<>(gathered);
    this.held = held;
    this.received = received;
    this.decoder = gzipped ? new GzipDecoder(limits.maxBodyBytes()) : null;
    response.pause();
    response.handler(this::arrived);
    response.exceptionHandler(this::broke);
    response.endHandler(end -> ended());
    for (Buffer chunk : gzipped ? List.<Buffer>of() : this.gathered) {
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
    limits.arrived(chunk.length(), decoder != null);
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
    if (decoder == null && !json.feed(VertxInternals.byteBuf(chunk))) {
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
    if (decoder == null && json.end().isPresent()) {
      fail(UpstreamException.invalidBody(target, response.statusCode(), json.end().get()));
      return;
    }
    ended = true;
    deliver();
  }

  /**
   * The next piece to hand on, or null when there is none yet: a chunk as it arrived, or up to
   * {@link AnswerReader#INFLATED_PIECE_BYTES} inflated from the gzip chunks (failing the body when
   * they are not gzip, not JSON, or inflate past the largest answer allowed).
   */
  private ByteBuffer next() {
    if (decoder == null) {
      Buffer chunk = gathered.poll();
      return chunk == null ? null : VertxInternals.byteBuf(chunk).nioBuffer();
    }
    byte[] out = new byte[AnswerReader.INFLATED_PIECE_BYTES];
    try {
      int count;
      while ((count = decoder.inflate(out)) == 0) {
        Buffer chunk = gathered.poll();
        if (chunk == null) {
          return null;
        }
        byte[] compressed = chunk.getBytes();
        decoder.give(compressed, 0, compressed.length);
      }
      if (!json.feed(out, 0, count)) {
        failCut("stopped being JSON");
        return null;
      }
      return ByteBuffer.wrap(out, 0, count);
    } catch (GzipDecoder.Refused refused) {
      if (refused.tooLarge()) {
        limits.reached(BodyLimits.TOO_LARGE);
      }
      failCut(refused.getMessage());
      return null;
    }
  }

  /** Whether a gzip body, all of it arrived and inflated, is whole and one JSON value. */
  private boolean endedWell() {
    if (decoder == null) {
      return true;
    }
    try {
      decoder.finish();
    } catch (GzipDecoder.Refused refused) {
      fail(UpstreamException.invalidBody(target, response.statusCode(), refused.getMessage()));
      return false;
    }
    if (json.end().isPresent()) {
      fail(UpstreamException.invalidBody(target, response.statusCode(), json.end().get()));
      return false;
    }
    return true;
  }

  private void failCut(String problem) {
    fail(UpstreamException.invalidBody(target, response.statusCode(), problem));
    if (!ended) {
      request.reset();
    }
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
    boolean drained = decoder == null;
    while (demand > 0) {
      ByteBuffer piece = next();
      if (gathered.isEmpty() && held > 0) {
        limits.memory().give(held);
        held = 0;
      }
      if (failure != null) {
        deliverFailure();
        return;
      }
      if (piece == null) {
        drained = true;
        break;
      }
      demand--;
      subscriber.onNext(piece);
      if (done || failure != null) {
        deliverFailure();
        return;
      }
    }
    if (gathered.isEmpty() && ended && drained) {
      if (!endedWell()) {
        deliverFailure();
        return;
      }
      done = true;
      letGo();
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
    if (decoder != null) {
      decoder.close();
    }
  }

  private void onContext(Runnable action) {
    VertxInternals.runOn(context, action);
  }
}
