package cachegate.engine;

import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.Objects;
import java.util.OptionalLong;
import java.util.concurrent.Flow;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The body of a usable upstream answer: gathered whole in memory, so that it can be stored, or
 * passed on as it arrives because keeping it would cost too much memory.
 */
public sealed interface UpstreamBody {
  /**
   * A body gathered whole, checked to be one JSON value. Its bytes count against the process's
   * budget for upstream answers held in memory until {@link #release()} is called, once, when they
   * are stored or dropped.
   *
   * @param bytes the body, shared and never modified
   * @param release gives the bytes back to the budget
   * @param body the same bytes as the cache keeps them (gzip form and entity tag), made as they
   *     arrived
   */
  record Whole(byte[] bytes, Runnable release, ResponseBody body) implements UpstreamBody {
    public Whole {
      Objects.requireNonNull(bytes, "bytes");
      Objects.requireNonNull(release, "release");
      Objects.requireNonNull(body, "body");
    }

    /** A body whose gzip form is made when first needed. */
    public Whole(byte[] bytes, Runnable release) {
      this(bytes, release, ResponseBody.of(bytes));
    }

    /** A body that holds nothing against a budget. */
    public Whole(byte[] bytes) {
      this(bytes, () -> {});
    }

    @Override
    public boolean equals(Object other) {
      return other instanceof Whole that && Arrays.equals(bytes, that.bytes);
    }

    @Override
    public int hashCode() {
      return Arrays.hashCode(bytes);
    }

    @Override
    public String toString() {
      return "Whole[" + bytes.length + " bytes]";
    }
  }

  /**
   * A body passed on to the client as it arrives, unchanged, and never stored. Its publisher
   * delivers the body's bytes in order to one subscriber at the pace it requests them; it fails the
   * subscriber, and the client sees a cut connection, when the upstream breaks off, sends more than
   * the largest answer allowed, or sends what is not one JSON value. A subscriber that does not
   * want the body cancels its subscription, which closes the upstream connection.
   *
   * @param chunks the body
   * @param length the upstream's {@code Content-Length}, when it sent one
   * @param reason why it is not kept
   */
  record Streamed(Flow.Publisher<ByteBuffer> chunks, OptionalLong length, NotKept reason)
      implements UpstreamBody {
    public Streamed {
      Objects.requireNonNull(chunks, "chunks");
      Objects.requireNonNull(length, "length");
      Objects.requireNonNull(reason, "reason");
    }

    /**
     * This body, with {@code done} run once when its subscriber has had all of it, a failure, or
     * cancelled.
     */
    public Streamed whenDone(Runnable done) {
      AtomicBoolean once = new AtomicBoolean();
      Runnable finish =
          () -> {
            if (once.compareAndSet(false, true)) {
              done.run();
            }
          };
      Flow.Publisher<ByteBuffer> watched =
          subscriber ->
              chunks.subscribe(
                  new Flow.Subscriber<>() {
                    @Override
                    public void onSubscribe(Flow.Subscription subscription) {
                      subscriber.onSubscribe(
                          new Flow.Subscription() {
                            @Override
                            public void request(long count) {
                              subscription.request(count);
                            }

                            @Override
                            public void cancel() {
                              subscription.cancel();
                              finish.run();
                            }
                          });
                    }

                    @Override
                    public void onNext(ByteBuffer item) {
                      subscriber.onNext(item);
                    }

                    @Override
                    public void onError(Throwable failure) {
                      finish.run();
                      subscriber.onError(failure);
                    }

                    @Override
                    public void onComplete() {
                      finish.run();
                      subscriber.onComplete();
                    }
                  });
      return new Streamed(watched, length, reason);
    }

    /** Takes the body without reading it: the upstream connection is closed. */
    public void discard() {
      chunks.subscribe(
          new Flow.Subscriber<>() {
            @Override
            public void onSubscribe(Flow.Subscription subscription) {
              subscription.cancel();
            }

            @Override
            public void onNext(ByteBuffer item) {}

            @Override
            public void onError(Throwable throwable) {}

            @Override
            public void onComplete() {}
          });
    }
  }

  /** Why an answer was passed on instead of kept; {@link #limit()} names it in metrics. */
  enum NotKept {
    /** Larger than the route's {@code maxEntryBytes}. */
    TOO_LARGE("upstream-answer-too-large-to-store", "too-large"),
    /** The process's memory for upstream answers was taken by others. */
    NO_ROOM("upstream-buffer-full", "no-memory");

    private final String limit;
    private final String detail;

    NotKept(String limit, String detail) {
      this.limit = limit;
      this.detail = detail;
    }

    /** The limit's name in {@code cachegate_limits_reached_total}. */
    public String limit() {
      return limit;
    }

    /** Why, as the RFC 9211 {@code detail} token of {@code Cache-Status}. */
    public String detail() {
      return detail;
    }
  }
}
