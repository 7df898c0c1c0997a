package cachegate.upstream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import cachegate.config.UpstreamConfig;
import cachegate.engine.CacheKey;
import cachegate.engine.CacheMetrics;
import cachegate.engine.Route;
import cachegate.engine.UpstreamBody;
import cachegate.engine.UpstreamException;
import cachegate.engine.UpstreamResponse;
import cachegate.support.BuiltInRoute;
import cachegate.support.HostileUpstream;
import io.vertx.core.Vertx;
import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Flow;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Memory per upstream answer is bounded whatever the upstream sends: answers that may be kept are
 * gathered within the process's budget, larger ones are passed on as they arrive, at the pace their
 * reader asks, and none is read past the largest body allowed. Against {@link HostileUpstream},
 * which generates its bodies without holding them.
 */
class UpstreamBodyLimitsIT {
  private static final long MIB = 1024 * 1024;
  private static Vertx vertx;
  private static HostileUpstream hostile;

  @BeforeAll
  static void start() {
    vertx = Vertx.vertx();
    hostile = HostileUpstream.start();
  }

  @AfterAll
  static void stop() {
    hostile.close();
    vertx.close().await();
  }

  @Test
  void aBodyTheRouteMayKeepIsGatheredWholeAndHoldsItsBytesUntilReleased() {
    ByteBudget memory = new ByteBudget(16 * MIB);

    UpstreamResponse answer = fetch("/chunked/bytes=500000", MIB, 64 * MIB, memory).join();

    UpstreamBody.Whole whole = (UpstreamBody.Whole) answer.body();
    assertThat(whole.bytes()).isEqualTo(expected("/chunked/bytes=500000", 500_000));
    assertThat(memory.taken()).isEqualTo(500_000);
    whole.release().run();
    whole.release().run();
    assertThat(memory.taken()).isZero();
  }

  @Test
  void aChunkedBodyThatGrowsPastWhatTheRouteKeepsIsPassedOnWholeAndUnchanged() {
    ByteBudget memory = new ByteBudget(16 * MIB);

    UpstreamResponse answer = fetch("/chunked/bytes=3000000", 100_000, 64 * MIB, memory).join();

    UpstreamBody.Streamed streamed = (UpstreamBody.Streamed) answer.body();
    assertThat(streamed.reason()).isEqualTo(UpstreamBody.NotKept.TOO_LARGE);
    assertThat(streamed.length()).isEmpty();
    assertThat(Reader.readAll(streamed).join())
        .isEqualTo(expected("/chunked/bytes=3000000", 3_000_000));
    assertThat(memory.taken()).isZero();
  }

  @Test
  void anAnnouncedLengthLargerThanWhatTheRouteKeepsIsPassedOnFromItsFirstByte() {
    ByteBudget memory = new ByteBudget(16 * MIB);

    UpstreamResponse answer = fetch("/length/bytes=3000000", 100_000, 64 * MIB, memory).join();

    UpstreamBody.Streamed streamed = (UpstreamBody.Streamed) answer.body();
    assertThat(streamed.length()).hasValue(3_000_000);
    assertThat(memory.taken()).isZero();
    assertThat(Reader.readAll(streamed).join())
        .isEqualTo(expected("/length/bytes=3000000", 3_000_000));
  }

  @Test
  void anAnswerThatFindsNoRoomInTheBudgetIsPassedOnInstead() {
    ByteBudget memory = new ByteBudget(MIB);
    assertThat(memory.tryTake(MIB - 1000)).isTrue();

    UpstreamResponse chunked = fetch("/chunked/bytes=400000", MIB, 64 * MIB, memory).join();
    UpstreamResponse announced = fetch("/length/bytes=400001", MIB, 64 * MIB, memory).join();

    for (UpstreamResponse answer : List.of(chunked, announced)) {
      UpstreamBody.Streamed streamed = (UpstreamBody.Streamed) answer.body();
      assertThat(streamed.reason()).isEqualTo(UpstreamBody.NotKept.NO_ROOM);
      assertThat(Reader.readAll(streamed).join()).hasSizeBetween(400_000, 400_001);
    }
    assertThat(memory.taken()).isEqualTo(MIB - 1000);
  }

  @Test
  void anAnswerThatNeverEndsIsCutAtTheLargestBodyAllowed() {
    ByteBudget memory = new ByteBudget(16 * MIB);

    UpstreamResponse answer = fetch("/endless", MIB, 5 * MIB, memory).join();
    CompletableFuture<byte[]> read = Reader.readAll((UpstreamBody.Streamed) answer.body());

    Throwable failure = catchThrowable(read::join);
    assertThat(failure).hasCauseInstanceOf(UpstreamException.class);
    assertThat(failure.getCause()).hasMessageContaining("longer than " + 5 * MIB);
    Awaitility.await()
        .atMost(Duration.ofSeconds(5))
        .until(() -> hostile.abortedTargets().stream().anyMatch(t -> t.startsWith("/endless")));
    assertThat(memory.taken()).isZero();
  }

  @Test
  void anAnnouncedLengthLargerThanTheLargestAllowedIsRefusedWithoutReadingIt() {
    Throwable failure =
        catchThrowable(
            () -> fetch("/length/bytes=20000000", MIB, 5 * MIB, new ByteBudget(MIB)).join());

    assertThat(failure).hasCauseInstanceOf(UpstreamException.class);
    assertThat(failure.getCause()).hasMessageContaining("body of 20000000 bytes, more than");
  }

  @Test
  void anErrorWhoseBodyNeverEndsFailsWithItsStatusWithoutReadingItAll() {
    Throwable failure =
        catchThrowable(() -> fetch("/error/status=503", MIB, 64 * MIB, new ByteBudget(MIB)).join());

    assertThat(failure.getCause())
        .isInstanceOfSatisfying(
            UpstreamException.class,
            upstream -> assertThat(upstream.upstreamStatus()).hasValue(503));
  }

  @Test
  void aReaderThatStopsAskingHoldsTheUpstreamBack() throws Exception {
    hostile.reset();
    UpstreamResponse answer =
        fetch("/chunked/bytes=200000000", MIB, 500 * MIB, new ByteBudget(16 * MIB)).join();
    UpstreamBody.Streamed streamed = (UpstreamBody.Streamed) answer.body();
    Reader reader = new Reader(2);
    streamed.chunks().subscribe(reader);

    TimeUnit.SECONDS.sleep(2);

    // The upstream sent what the sockets' buffers take, then waited: far from 200 MB.
    assertThat(hostile.bytesSent()).isLessThan(40 * MIB);
    reader.cancel();
    Awaitility.await()
        .atMost(Duration.ofSeconds(5))
        .until(() -> hostile.abortedTargets().stream().anyMatch(t -> t.contains("200000000")));
  }

  private static CompletableFuture<UpstreamResponse> fetch(
      String behaviour, long keepAtMost, long maxBodyBytes, ByteBudget memory) {
    Route route = BuiltInRoute.universities(URI.create(hostile.url() + behaviour));
    HttpUpstream upstream =
        new HttpUpstream(
            vertx,
            new UpstreamConfig(Duration.ofSeconds(10), 64, 256, Duration.ZERO),
            route.upstream(),
            "universities",
            keepAtMost,
            maxBodyBytes,
            memory,
            CacheMetrics.none());
    CacheKey key = route.key("t", Map.of("country", List.of("x")));
    return upstream.fetch(key);
  }

  private static byte[] expected(String behaviour, int bytes) {
    return HostileUpstream.expectedBody(behaviour + "/search?country=x", bytes);
  }

  /** Reads a passed-on body: at most {@code chunks} chunks, or all of it. */
  private static final class Reader implements Flow.Subscriber<ByteBuffer> {
    private final long chunks;
    private final ByteArrayOutputStream read = new ByteArrayOutputStream();
    private final AtomicLong seen = new AtomicLong();
    private final CompletableFuture<byte[]> done = new CompletableFuture<>();
    private volatile Flow.Subscription subscription;

    Reader(long chunks) {
      this.chunks = chunks;
    }

    static CompletableFuture<byte[]> readAll(UpstreamBody.Streamed body) {
      Reader reader = new Reader(Long.MAX_VALUE);
      body.chunks().subscribe(reader);
      return reader.done.orTimeout(30, TimeUnit.SECONDS);
    }

    @Override
    public void onSubscribe(Flow.Subscription subscription) {
      this.subscription = subscription;
      subscription.request(1);
    }

    @Override
    public synchronized void onNext(ByteBuffer chunk) {
      byte[] bytes = new byte[chunk.remaining()];
      chunk.get(bytes);
      if (read.size() < 10 * MIB) {
        read.writeBytes(bytes);
      }
      if (seen.incrementAndGet() < chunks) {
        subscription.request(1);
      }
    }

    @Override
    public void onError(Throwable failure) {
      done.completeExceptionally(failure);
    }

    @Override
    public synchronized void onComplete() {
      done.complete(read.toByteArray());
    }

    void cancel() {
      subscription.cancel();
    }
  }
}
