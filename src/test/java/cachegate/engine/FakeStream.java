package cachegate.engine;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.util.concurrent.Flow;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A passed-on body in memory: hands its bytes to its one subscriber in chunks of {@link #CHUNK}
 * bytes, as fast as it requests them, on the requesting thread, and records whether it was read to
 * its end or cancelled.
 */
final class FakeStream implements Flow.Publisher<ByteBuffer> {
  static final int CHUNK = 4;

  private final byte[] body;
  private final AtomicInteger subscribers = new AtomicInteger();
  private final AtomicBoolean cancelled = new AtomicBoolean();
  private final AtomicBoolean completed = new AtomicBoolean();

  FakeStream(byte[] body) {
    this.body = body.clone();
  }

  @Override
  public void subscribe(Flow.Subscriber<? super ByteBuffer> subscriber) {
    subscribers.incrementAndGet();
    subscriber.onSubscribe(
        new Flow.Subscription() {
          private int at;

          @Override
          public void request(long count) {
            for (long i = 0; i < count && at < body.length && !cancelled.get(); i++) {
              int length = Math.min(CHUNK, body.length - at);
              ByteBuffer chunk = ByteBuffer.wrap(body, at, length).slice();
              at += length;
              subscriber.onNext(chunk);
            }
            if (at == body.length && !cancelled.get() && completed.compareAndSet(false, true)) {
              subscriber.onComplete();
            }
          }

          @Override
          public void cancel() {
            cancelled.set(true);
          }
        });
  }

  /** Reads all of {@code body} as one subscriber would. */
  static byte[] read(Flow.Publisher<ByteBuffer> body) {
    ByteArrayOutputStream read = new ByteArrayOutputStream();
    body.subscribe(
        new Flow.Subscriber<>() {
          @Override
          public void onSubscribe(Flow.Subscription subscription) {
            subscription.request(Long.MAX_VALUE);
          }

          @Override
          public void onNext(ByteBuffer chunk) {
            byte[] bytes = new byte[chunk.remaining()];
            chunk.get(bytes);
            read.writeBytes(bytes);
          }

          @Override
          public void onError(Throwable failure) {
            throw new AssertionError("the body failed", failure);
          }

          @Override
          public void onComplete() {}
        });
    return read.toByteArray();
  }

  int subscribers() {
    return subscribers.get();
  }

  boolean cancelled() {
    return cancelled.get();
  }

  boolean completed() {
    return completed.get();
  }
}
