package cachegate.upstream;

import cachegate.engine.ResponseBody;
import io.netty.buffer.ByteBuf;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.Base64;
import java.util.Optional;
import java.util.zip.CRC32;
import java.util.zip.Deflater;
import java.util.zip.GZIPOutputStream;

/**
 * The work an answer to keep needs, done on each chunk as it arrives rather than after the last:
 * the JSON check ({@link JsonCheck}, fed chunk by chunk), the entity tag's SHA-256 and the gzip
 * form. So the body is ready to serve, in both encodings, when its last byte is.
 *
 * <p>The gzip bytes are those {@link ResponseBody#of} would make of the whole body: the same header
 * as {@link GZIPOutputStream}'s, a raw deflate stream at the same level with no flush until the end
 * (whose output does not depend on how its input is split), and the same trailer. The envelope's
 * checksum is computed from whatever gzip bytes are stored, so they are verified as they are.
 *
 * <p>Holds a {@link Deflater} (native memory) until {@link #body} or {@link #close} is called;
 * callers close it on every way an answer ends. Not thread-safe: one answer, one event loop.
 */
final class ArrivingBody implements AutoCloseable {
  /** The header {@link GZIPOutputStream} writes on this JDK (its OS byte changed over versions). */
  private static final byte[] GZIP_HEADER = gzipHeader();

  private static final int DEFLATE_BUFFER = 8192;

  private final JsonCheck json = new JsonCheck();
  private final MessageDigest sha256 = sha256();
  private final CRC32 crc = new CRC32();
  private final Deflater deflater = new Deflater(Deflater.DEFAULT_COMPRESSION, true);
  private final byte[] out = new byte[DEFLATE_BUFFER];
  private final ByteArrayOutputStream gzip;
  private long length;
  private boolean closed;

  /**
   * @param expectedLength the body's announced length, or 0, to size the gzip buffer
   */
  ArrivingBody(long expectedLength) {
    this.gzip = new ByteArrayOutputStream((int) Math.min(expectedLength / 4 + 64, 1 << 20));
    gzip.write(GZIP_HEADER, 0, GZIP_HEADER.length);
  }

  /** Takes the next bytes of the body; returns whether it may still be one JSON value. */
  boolean take(byte[] bytes, int offset, int count) {
    boolean stillJson = json.feed(bytes, offset, count);
    if (stillJson) {
      sha256.update(bytes, offset, count);
      crc.update(bytes, offset, count);
      deflater.setInput(bytes, offset, count);
      deflate();
      length += count;
    }
    return stillJson;
  }

  /** Takes a chunk's readable bytes without consuming them. */
  boolean take(ByteBuf chunk) {
    if (chunk.hasArray()) {
      return take(chunk.array(), chunk.arrayOffset() + chunk.readerIndex(), chunk.readableBytes());
    }
    byte[] copy = new byte[chunk.readableBytes()];
    chunk.getBytes(chunk.readerIndex(), copy);
    return take(copy, 0, copy.length);
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
    if (identity.length != length) {
      throw new IllegalStateException("took " + length + " bytes, given " + identity.length);
    }
    deflater.finish();
    while (!deflater.finished()) {
      gzip.write(out, 0, deflater.deflate(out));
    }
    close();
    writeIntLittleEndian((int) crc.getValue());
    writeIntLittleEndian((int) length);
    byte[] digest = sha256.digest();
    String etag =
        "\""
            + Base64.getUrlEncoder().withoutPadding().encodeToString(digest).substring(0, 27)
            + "\"";
    return ResponseBody.prepared(identity, gzip.toByteArray(), etag);
  }

  /** Gives the deflater's native memory back; the body can no longer be made. */
  @Override
  public void close() {
    if (!closed) {
      closed = true;
      deflater.end();
    }
  }

  private void deflate() {
    while (!deflater.needsInput()) {
      gzip.write(out, 0, deflater.deflate(out));
    }
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
