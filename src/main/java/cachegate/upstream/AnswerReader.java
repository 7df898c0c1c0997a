package cachegate.upstream;

import cachegate.engine.UpstreamBody;
import cachegate.engine.UpstreamException;
import cachegate.engine.UpstreamResponse;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpHeaders;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Reads one upstream answer (2xx, or a 4xx for the client), counting its bytes as they arrive.
 * While the answer may still be kept (no larger than the route's {@code maxEntryBytes}, and the
 * process's {@link ByteBudget} has room for each chunk, or at once for an announced length) it is
 * gathered whole, and checked to be one JSON value, hashed and compressed chunk by chunk as it
 * arrives ({@link ArrivingBody}), so that it is ready to serve when its last byte is (a body that
 * stops being JSON is refused at once); from the moment it may not, the chunks gathered so far and
 * the rest are passed on to the client as they arrive ({@link PassedBody}) and the answer is never
 * stored. An answer that announces more than the largest allowed is refused without reading it.
 * Runs on the response's event loop, as Vert.x calls its handlers.
 */
final class AnswerReader {
  /** The most bytes inflated from a gzip body at a time. */
  static final int INFLATED_PIECE_BYTES = 16 * 1024;

  private final String target;
  private final HttpClientRequest request;
  private final HttpClientResponse response;
  private final BodyLimits limits;
  private final Promise<UpstreamResponse> result = Promise.promise();
  private final List<Buffer> chunks = new ArrayList<>();
  private final OptionalLong length;

  /** The body, when its length was announced: chunks are copied in as they arrive. */
  private byte[] announcedBody;

  /** Checks, hashes and compresses the body as it arrives, while it may be kept. */
  private ArrivingBody arriving;

  private boolean deflateScheduled;

  /** Whether the upstream sent the body gzip-compressed ({@code Content-Encoding: gzip}). */
  private boolean gzipped;

  /** Inflates a gzip body as it arrives, while it may be kept; null for others. */
  private GzipDecoder decoder;

  /** The inflated body of a gzip answer, in pieces, and the bytes of budget they hold. */
  private final List<byte[]> inflated = new ArrayList<>();

  private long heldInflated;

  private long received;
  private long held;

  private AnswerReader(
      String target, HttpClientRequest request, HttpClientResponse response, BodyLimits limits) {
    this.target = target;
    this.request = request;
    this.response = response;
    this.limits = limits;
    this.length = contentLength(response.getHeader(HttpHeaders.CONTENT_LENGTH));
  }

  /** Starts reading {@code response}; must be called where Vert.x delivers the response. */
  static Future<UpstreamResponse> read(
      String target, HttpClientRequest request, HttpClientResponse response, BodyLimits limits) {
    return new AnswerReader(target, request, response, limits).start();
  }

  private Future<UpstreamResponse> start() {
    String encoding = response.getHeader(HttpHeaders.CONTENT_ENCODING);
    Optional<ContentEncoding> coding = ContentEncoding.of(encoding);
    if (coding.isEmpty()) {
      response.exceptionHandler(ignored -> {});
      request.reset();
      return Future.failedFuture(
          UpstreamException.invalidBody(
              target,
              response.statusCode(),
              "Content-Encoding '" + encoding + "', neither gzip nor identity"));
    }
    gzipped = coding.get() == ContentEncoding.GZIP;
    long announced = length.orElse(0);
    if (announced > limits.maxBodyBytes()) {
      response.exceptionHandler(ignored -> {});
      request.reset();
      limits.reached(BodyLimits.TOO_LARGE);
      return Future.failedFuture(
          UpstreamException.invalidBody(
              target,
              response.statusCode(),
              "body of " + announced + " bytes, more than " + limits.maxBodyBytes()));
    }
    if (announced > limits.keepAtMost()) {
      return pass(UpstreamBody.NotKept.TOO_LARGE);
    }
    if (gzipped) {
      decoder = new GzipDecoder(limits.keepAtMost());
      arriving = ArrivingBody.uncompressed();
    } else if (length.isPresent()) {
      if (!limits.memory().tryTake(announced)) {
        return pass(UpstreamBody.NotKept.NO_ROOM);
      }
      held = announced;
      announcedBody = new byte[Math.toIntExact(announced)];
    }
    if (arriving == null) {
      arriving = new ArrivingBody(announced);
    }
    response.handler(this::gather);
    response.exceptionHandler(this::fail);
    response.endHandler(done -> end());
    return result.future();
  }

  private void gather(Buffer chunk) {
    if (result.future().isComplete()) {
      return;
    }
    int size = chunk.length();
    received += size;
    limits.arrived(size, gzipped);
    if (announcedBody != null) {
      if (received > announcedBody.length) {
        fail(UpstreamException.invalidBody(target, response.statusCode(), "longer than announced"));
        request.reset();
        return;
      }
      int at = (int) (received - size);
      chunk.getBytes(0, size, announcedBody, at);
      stillJson(arriving.take(announcedBody, at, size));
      deflateWhenFree();
    } else if (received > limits.keepAtMost() || !limits.memory().tryTake(size)) {
      chunks.add(chunk);
      pass(
          received > limits.keepAtMost()
              ? UpstreamBody.NotKept.TOO_LARGE
              : UpstreamBody.NotKept.NO_ROOM);
      return;
    } else if (gzipped) {
      held += size;
      chunks.add(chunk);
      inflate(chunk);
    } else {
      held += size;
      chunks.add(chunk);
      stillJson(arriving.take(VertxInternals.byteBuf(chunk)));
      deflateWhenFree();
    }
  }

  /**
   * Inflates what a gzip chunk brings, each piece checked and hashed as it comes, each taken from
   * the budget: past the route's {@code maxEntryBytes} of inflated bytes, or with no room left, the
   * answer is passed on (its inflated bytes dropped), never inflated in full here.
   */
  private void inflate(Buffer chunk) {
    byte[] compressed = chunk.getBytes();
    decoder.give(compressed, 0, compressed.length);
    byte[] out = new byte[INFLATED_PIECE_BYTES];
    try {
      int count;
      while ((count = decoder.inflate(out)) > 0) {
        if (!limits.memory().tryTake(count)) {
          pass(UpstreamBody.NotKept.NO_ROOM);
          return;
        }
        held += count;
        heldInflated += count;
        byte[] piece = Arrays.copyOf(out, count);
        inflated.add(piece);
        stillJson(arriving.take(piece, 0, count));
        if (result.future().isComplete()) {
          return;
        }
      }
    } catch (GzipDecoder.Refused refused) {
      if (refused.tooLarge()) {
        pass(UpstreamBody.NotKept.TOO_LARGE);
      } else {
        fail(UpstreamException.invalidBody(target, response.statusCode(), refused.getMessage()));
        request.reset();
      }
    }
  }

  /**
   * Compresses what arrived once the event loop has handled the chunks read with it: between chunks
   * that arrive apart, not before an answer whose last chunk was read with them.
   */
  private void deflateWhenFree() {
    if (deflateScheduled || result.future().isComplete()) {
      return;
    }
    Context context = Vertx.currentContext();
    if (context == null) {
      arriving.deflatePending();
      return;
    }
    deflateScheduled = true;
    context.runOnContext(
        ignored -> {
          deflateScheduled = false;
          arriving.deflatePending();
        });
  }

  /** A body that stopped being JSON is refused at once, its connection closed. */
  private void stillJson(boolean json) {
    if (!json) {
      fail(
          UpstreamException.invalidBody(
              target, response.statusCode(), arriving.end().orElse("not JSON")));
      request.reset();
    }
  }

  private void end() {
    if (result.future().isComplete()) {
      return;
    }
    byte[] body = announcedBody != null ? announcedBody : joined();
    if (length.isPresent() && received != length.getAsLong()) {
      fail(UpstreamException.invalidBody(target, response.statusCode(), "shorter than announced"));
      return;
    }
    Optional<byte[]> upstreamGzip = Optional.empty();
    if (gzipped) {
      try {
        decoder.finish();
      } catch (GzipDecoder.Refused refused) {
        fail(UpstreamException.invalidBody(target, response.statusCode(), refused.getMessage()));
        return;
      }
      // Kept as it is when it has the form the store keeps (one member, no optional header).
      upstreamGzip = decoder.isOnePlainMember() ? Optional.of(body) : Optional.empty();
      body = joined(inflated);
    }
    Optional<String> problem = arriving.end();
    if (problem.isPresent()) {
      fail(UpstreamException.invalidBody(target, response.statusCode(), problem.get()));
      return;
    }
    long taken = held;
    held = 0;
    chunks.clear();
    inflated.clear();
    closeDecoder();
    AtomicBoolean released = new AtomicBoolean();
    result.tryComplete(
        answer(
            new UpstreamBody.Whole(
                body,
                () -> {
                  if (released.compareAndSet(false, true)) {
                    limits.memory().give(taken);
                  }
                },
                gzipped ? arriving.body(body, upstreamGzip) : arriving.body(body))));
  }

  private byte[] joined() {
    byte[] body = new byte[Math.toIntExact(received)];
    int at = 0;
    for (Buffer chunk : chunks) {
      chunk.getBytes(body, at);
      at += chunk.length();
    }
    return body;
  }

  private static byte[] joined(List<byte[]> pieces) {
    byte[] body = new byte[Math.toIntExact(pieces.stream().mapToLong(p -> p.length).sum())];
    int at = 0;
    for (byte[] piece : pieces) {
      System.arraycopy(piece, 0, body, at, piece.length);
      at += piece.length;
    }
    return body;
  }

  private void closeDecoder() {
    if (decoder != null) {
      decoder.close();
    }
  }

  private void fail(Throwable failure) {
    if (arriving != null) {
      arriving.close();
    }
    closeDecoder();
    limits.memory().give(held);
    held = 0;
    chunks.clear();
    inflated.clear();
    announcedBody = null;
    result.tryFail(failure);
  }

  /** From now on the answer is passed on as it arrives: the chunks gathered so far first. */
  private Future<UpstreamResponse> pass(UpstreamBody.NotKept reason) {
    if (arriving != null) {
      arriving.close();
    }
    closeDecoder();
    // What was inflated is dropped: the passed body inflates the chunks again as they are sent.
    limits.memory().give(heldInflated);
    held -= heldInflated;
    heldInflated = 0;
    inflated.clear();
    limits.reached(reason.limit());
    PassedBody body =
        new PassedBody(
            target,
            request,
            response,
            Vertx.currentContext(),
            limits,
            chunks,
            held,
            received,
            gzipped);
    held = 0;
    // The inflated length of a gzip body is not known before it is inflated.
    OptionalLong passedLength = gzipped ? OptionalLong.empty() : length;
    result.tryComplete(answer(new UpstreamBody.Streamed(body, passedLength, reason)));
    return result.future();
  }

  private UpstreamResponse answer(UpstreamBody body) {
    String type = response.getHeader(HttpHeaders.CONTENT_TYPE);
    return new UpstreamResponse(
        response.statusCode(),
        type != null && type.contains("json") ? type : HttpUpstream.JSON,
        body,
        response.cookies(),
        header(HttpHeaders.CACHE_CONTROL),
        HttpUpstream.validators(response, limits),
        header(HttpHeaders.EXPIRES),
        header(HttpHeaders.DATE));
  }

  /** Every value of the header {@code name}, joined with commas (RFC 9110 §5.3), else empty. */
  private String header(CharSequence name) {
    return String.join(", ", response.headers().getAll(name));
  }

  /** A {@code Content-Length} of digits only, else none (Netty refuses the others anyway). */
  private static OptionalLong contentLength(String header) {
    if (header == null
        || header.isEmpty()
        || header.length() > 18
        || !header.chars().allMatch(Character::isDigit)) {
      return OptionalLong.empty();
    }
    return OptionalLong.of(Long.parseLong(header));
  }
}
