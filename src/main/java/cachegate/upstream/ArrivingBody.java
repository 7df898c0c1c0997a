package cachegate.upstream;

import cachegate.engine.ResponseBody;
import io.netty.buffer.ByteBuf;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.Base64;
import java.util.Optional;
import java.util.zip.CRC32;
import java.util.zip.Deflater;
import java.util.zip.GZIPOutputStream;

/**
 * The work an answer to keep needs, done as its chunks arrive rather than after the last: the JSON
 * check ({@link JsonCheck}) and the entity tag's SHA-256 on each chunk as it is taken, the gzip
 * form whenever the event loop is free between chunks ({@link #deflatePending}). So the body is
 * checked and tagged when its last byte arrives, and compressed too unless more than {@link
 * #DEFLATED_AT_END} bytes were still waiting for the compressor then (an upstream whose whole
 * answer arrives at once): those are compressed when first needed, after the answer is sent, as
 * {@link ResponseBody#of} would.
 *
 * <p>The gzip bytes are those {@link ResponseBody#of} makes of the whole body: the same header as
 * {@link GZIPOutputStream}'s, a raw deflate stream at the same level with no flush until the end
 * (its output does not depend on how its input is split), and the same trailer. The envelope's
 * checksum is computed over whatever gzip bytes are stored, so they are verified as they are.
 *
 * <p>Holds a {@link Deflater} (native memory), from the first compression until {@link #body} or
 * {@link #close}; callers close it on every way an answer ends. Not thread-safe: one answer, one
 * event loop.
 */
final class ArrivingBody implements AutoCloseable {
  /** The most bytes still to compress when the last arrives for the gzip form to be made then. */
  static final int DEFLATED_AT_END = 16 * 1024;

  /** The header {@link GZIPOutputStream} writes on this JDK (its OS byte changed over versions). */
  private static final byte[] GZIP_HEADER = gzipHeader();

  private static final int DEFLATE_BUFFER = 8192;

  private final JsonCheck json = new JsonCheck();
  private final MessageDigest sha256 = sha256();
  private final CRC32 crc = new CRC32();
  private final ArrayDeque<Segment> pending = new ArrayDeque<>();
  private Deflater deflater;

  /** Null when the gzip form is not made here (the upstream sent one). */
  private final ByteArrayOutputStream gzip;

  private byte[] out;
  private long length;
  private long pendingBytes;
  private boolean closed;

  /**
   * @param expectedLength the body's announced length, or 0, to size the gzip buffer
   */
  ArrivingBody(long expectedLength) {
    this.gzip = new ByteArrayOutputStream((int) Math.min(expectedLength / 4 + 64, 1 << 20));
    gzip.write(GZIP_HEADER, 0, GZIP_HEADER.length);
  }

  /**
   * A body checked and tagged as it arrives, not compressed: its gzip form comes from elsewhere
   * ({@link #body(byte[], Optional)}).
   */
  static ArrivingBody uncompressed() {
    return new ArrivingBody();
  }

  private ArrivingBody() {
    this.gzip = null;
  }

  /**
   * Takes the next bytes of the body (kept until compressed: the caller must not change them);
   * returns whether it may still be one JSON value.
   */
  boolean take(byte[] bytes, int offset, int count) {
    boolean stillJson = json.feed(bytes, offset, count);
    if (stillJson && count > 0) {
      sha256.update(bytes, offset, count);
      length += count;
      if (gzip != null) {
        crc.update(bytes, offset, count);
        pending.add(new Segment(bytes, offset, count));
        pendingBytes += count;
      }
    }
    return stillJson;
  }

  /** Takes a chunk's readable bytes (copied) without consuming them. */
  boolean take(ByteBuf chunk) {
    byte[] copy = new byte[chunk.readableBytes()];
    chunk.getBytes(chunk.readerIndex(), copy);
    return take(copy, 0, copy.length);
  }

  /** Compresses what was taken and not compressed yet; nothing once closed. */
  void deflatePending() {
    if (closed || gzip == null) {
      pending.clear();
      pendingBytes = 0;
      return;
    }
    if (deflater == null) {
      deflater = new Deflater(Deflater.DEFAULT_COMPRESSION, true);
    }
    Segment input;
    while ((input = pending.poll()) != null) {
      deflater.setInput(input.bytes(), input.offset(), input.count());
      while (!deflater.needsInput()) {
        write(deflater.deflate(buffer()));
      }
    }
    pendingBytes = 0;
  }

  /** The problem with the whole body, now that all of it was taken, if it is not one JSON value. */
  Optional<String> end() {
    return json.end();
  }

  /**
   * The body, {@code identity} being every byte taken, in order; ends the deflater. Only after
   * {@link #end()} found no problem.
   */
  ResponseBody body(byte[] identity) {
    String etag = etag(identity);
    if (gzip == null || pendingBytes > DEFLATED_AT_END) {
      close();
      return ResponseBody.tagged(identity, etag);
    }
    deflatePending();
    deflater.finish();
    while (!deflater.finished()) {
      write(deflater.deflate(buffer()));
    }
    close();
    writeIntLittleEndian((int) crc.getValue());
    writeIntLittleEndian((int) length);
    return ResponseBody.prepared(identity, gzip.toByteArray(), etag);
  }

  /**
   * The body, {@code identity} being every byte taken, in order, with {@code upstreamGzip} for its
   * gzip form when there is one the cache can keep as it is (else compressed when first needed).
   * The entity tag hashes {@code identity}, as for a body that arrived uncompressed. Only after
   * {@link #end()} found no problem.
   */
  ResponseBody body(byte[] identity, Optional<byte[]> upstreamGzip) {
    String etag = etag(identity);
    close();
    return upstreamGzip
        .map(gzipped -> ResponseBody.prepared(identity, gzipped, etag))
        .orElseGet(() -> ResponseBody.tagged(identity, etag));
  }

  private String etag(byte[] identity) {
    if (identity.length != length) {
      throw new IllegalStateException("took " + length + " bytes, given " + identity.length);
    }
    return "\""
        + Base64.getUrlEncoder().withoutPadding().encodeToString(sha256.digest()).substring(0, 27)
        + "\"";
  }

  /** Gives the deflater's native memory back; the gzip form is no longer made here. */
  @Override
  public void close() {
    if (!closed) {
      closed = true;
      if (deflater != null) {
        deflater.end();
      }
      pending.clear();
    }
  }

  /** Bytes taken and not compressed yet. */
  private record Segment(byte[] bytes, int offset, int count) {}

  private byte[] buffer() {
    if (out == null) {
      out = new byte[DEFLATE_BUFFER];
    }
    return out;
  }

  private void write(int count) {
    gzip.write(out, 0, count);
  }

  private void writeIntLittleEndian(int value) {
    gzip.write(value);
    gzip.write(value >>> 8);
    gzip.write(value >>> 16);
    gzip.write(value >>> 24);
  }

  private static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JDK provides SHA-256", e);
    }
  }

  private static byte[] gzipHeader() {
    ByteArrayOutputStream empty = new ByteArrayOutputStream();
    try (GZIPOutputStream stream = new GZIPOutputStream(empty)) {
      stream.flush();
    } catch (IOException e) {
      throw new UncheckedIOException("gzip into memory cannot fail", e);
    }
    return Arrays.copyOf(empty.toByteArray(), 10);
  }
}
