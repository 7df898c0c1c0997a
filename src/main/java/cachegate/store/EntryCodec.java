package cachegate.store;

import cachegate.engine.CachedResponse;
import cachegate.engine.ResponseBody;
import cachegate.engine.StoreException;
import cachegate.engine.TraceLink;
import cachegate.engine.Validators;
import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.zip.CRC32C;

/**
 * The versioned binary envelope entries are stored in, never Java serialization. Layout (big
 * endian): magic {@code "CG"}, format version byte, key (int length + UTF-8), status (short),
 * stored-at epoch millis (long), TTL millis (long), fetch time millis (long), content type (short
 * length + UTF-8), entity tag (short length + UTF-8), the upstream's {@code ETag} and {@code
 * Last-Modified} (each short length + UTF-8, empty if none; since format 3), CRC-32C of the gzip
 * bytes (int; since format 2), the trace of the upstream call that fetched it (16-byte trace id and
 * 8-byte span id, zeros when it was not traced; since format 3), gzip-compressed body (int length +
 * bytes). The key is stored inside the envelope and checked on decode, so an entry can never be
 * served for a key it was not stored under. The checksum lets a read trust the gzip bytes without
 * decompressing them (JMH: decoding Germany's entry takes 0.5 us; decompressing its 66 KB takes 25
 * us), so an answer in gzip never decompresses; format 1, without it, is still read, by
 * decompressing. Formats 1 and 2 are read without validators (their next refresh asks
 * unconditionally) and as fetched by no trace.
 */
final class EntryCodec {
  static final byte FORMAT_VERSION = 3;
  private static final byte FORMAT_WITHOUT_VALIDATORS = 2;
  private static final byte FORMAT_WITHOUT_CHECKSUM = 1;
  private static final int TRACE_ID_BYTES = 16;
  private static final int SPAN_ID_BYTES = 8;
  private static final byte[] MAGIC = {'C', 'G'};

  private EntryCodec() {}

  static byte[] encode(String key, CachedResponse entry) {
    byte[] keyBytes = key.getBytes(StandardCharsets.UTF_8);
    byte[] type = entry.contentType().getBytes(StandardCharsets.UTF_8);
    byte[] etag = entry.body().etag().getBytes(StandardCharsets.UTF_8);
    byte[] upstreamEtag = entry.validators().etag().getBytes(StandardCharsets.UTF_8);
    byte[] lastModified = entry.validators().lastModified().getBytes(StandardCharsets.UTF_8);
    byte[] body = entry.body().gzip();
    ByteBuffer buffer =
        ByteBuffer.allocate(
            3
                + 4
                + keyBytes.length
                + 2
                + 8
                + 8
                + 8
                + 2
                + type.length
                + 2
                + etag.length
                + 2
                + upstreamEtag.length
                + 2
                + lastModified.length
                + 4
                + TRACE_ID_BYTES
                + SPAN_ID_BYTES
                + 4
                + body.length);
    buffer.put(MAGIC).put(FORMAT_VERSION);
    buffer.putInt(keyBytes.length).put(keyBytes);
    buffer.putShort((short) entry.status());
    buffer.putLong(entry.storedAt().toEpochMilli());
    buffer.putLong(entry.ttl().toMillis());
    buffer.putLong(entry.fetchTime().toMillis());
    buffer.putShort((short) type.length).put(type);
    buffer.putShort((short) etag.length).put(etag);
    buffer.putShort((short) upstreamEtag.length).put(upstreamEtag);
    buffer.putShort((short) lastModified.length).put(lastModified);
    buffer.putInt(checksum(body));
    TraceLink fetchedBy = entry.fetchedBy();
    putHex(buffer, fetchedBy.traceId(), TRACE_ID_BYTES);
    putHex(buffer, fetchedBy.spanId(), SPAN_ID_BYTES);
    buffer.putInt(body.length).put(body);
    return buffer.array();
  }

  /**
   * Decodes an envelope read under {@code expected}.
   *
   * @throws StoreException if the bytes are not a valid envelope of this format version, or were
   *     stored under another key
   */
  static CachedResponse decode(String expected, byte[] bytes) {
    try {
      ByteBuffer buffer = ByteBuffer.wrap(bytes);
      if (buffer.get() != MAGIC[0] || buffer.get() != MAGIC[1]) {
        throw corrupt(expected, "no cachegate envelope");
      }
      byte version = buffer.get();
      if (!readable(version)) {
        throw corrupt(expected, "envelope format " + version + ", expected " + FORMAT_VERSION);
      }
      String key = new String(slice(buffer, buffer.getInt()), StandardCharsets.UTF_8);
      if (!key.equals(expected)) {
        throw corrupt(expected, "it was stored under " + key);
      }
      int status = buffer.getShort();
      Instant storedAt = Instant.ofEpochMilli(buffer.getLong());
      Duration ttl = Duration.ofMillis(buffer.getLong());
      Duration fetchTime = Duration.ofMillis(buffer.getLong());
      String type = text(buffer);
      String etag = text(buffer);
      Validators validators =
          version == FORMAT_VERSION ? new Validators(text(buffer), text(buffer)) : Validators.NONE;
      boolean checked = version != FORMAT_WITHOUT_CHECKSUM;
      int checksum = checked ? buffer.getInt() : 0;
      TraceLink fetchedBy = version == FORMAT_VERSION ? traceLink(buffer) : TraceLink.NONE;
      byte[] gzip = slice(buffer, buffer.getInt());
      if (buffer.hasRemaining()) {
        throw corrupt(expected, buffer.remaining() + " trailing bytes");
      }
      if (checked && checksum(gzip) != checksum) {
        throw corrupt(expected, "its body does not match its CRC-32C");
      }
      ResponseBody body =
          checked ? ResponseBody.fromCheckedGzip(gzip, etag) : ResponseBody.fromGzip(gzip, etag);
      return new CachedResponse(
          status, type, body, storedAt, ttl, fetchTime, validators, fetchedBy);
    } catch (BufferUnderflowException | IllegalArgumentException e) {
      throw corrupt(expected, "truncated or malformed (" + e + ")");
    }
  }

  /**
   * The envelope's head, readable from its first bytes alone (Redis {@code GETRANGE}), for listings
   * that must not transfer bodies.
   *
   * @param key the key it was stored under
   * @param status the upstream's status it holds
   * @param storedAt when its upstream answer was received
   * @param ttl its freshness lifetime
   */
  record Head(String key, int status, Instant storedAt, Duration ttl) {}

  /**
   * Reads the head of an envelope from its first bytes.
   *
   * @throws StoreException if they do not start a valid envelope of this format version
   */
  static Head head(String storedUnder, byte[] firstBytes) {
    try {
      ByteBuffer buffer = ByteBuffer.wrap(firstBytes);
      if (buffer.get() != MAGIC[0] || buffer.get() != MAGIC[1] || !readable(buffer.get())) {
        throw new StoreException("value under " + storedUnder + " is not a cachegate envelope");
      }
      String key = new String(slice(buffer, buffer.getInt()), StandardCharsets.UTF_8);
      int status = buffer.getShort();
      Instant storedAt = Instant.ofEpochMilli(buffer.getLong());
      Duration ttl = Duration.ofMillis(buffer.getLong());
      return new Head(key, status, storedAt, ttl);
    } catch (BufferUnderflowException | IllegalArgumentException e) {
      throw new StoreException("value under " + storedUnder + " has a malformed head: " + e);
    }
  }

  private static boolean readable(byte version) {
    return version == FORMAT_VERSION
        || version == FORMAT_WITHOUT_VALIDATORS
        || version == FORMAT_WITHOUT_CHECKSUM;
  }

  /** {@code hex} as {@code bytes} bytes; zeros for an empty one (no trace). */
  private static void putHex(ByteBuffer buffer, String hex, int bytes) {
    for (int i = 0; i < bytes; i++) {
      buffer.put(hex.isEmpty() ? 0 : (byte) Integer.parseInt(hex, 2 * i, 2 * i + 2, 16));
    }
  }

  /** The trace link of a format-3 envelope; all zeros is none (W3C: an invalid id). */
  private static TraceLink traceLink(ByteBuffer buffer) {
    String traceId = hex(slice(buffer, TRACE_ID_BYTES));
    String spanId = hex(slice(buffer, SPAN_ID_BYTES));
    if (traceId.chars().allMatch(c -> c == '0')) {
      return TraceLink.NONE;
    }
    return new TraceLink(traceId, spanId);
  }

  private static String hex(byte[] bytes) {
    return HexFormat.of().formatHex(bytes);
  }

  private static int checksum(byte[] bytes) {
    CRC32C crc = new CRC32C();
    crc.update(bytes);
    return (int) crc.getValue();
  }

  /** A short-length-prefixed UTF-8 string. */
  private static String text(ByteBuffer buffer) {
    return new String(slice(buffer, buffer.getShort()), StandardCharsets.UTF_8);
  }

  private static byte[] slice(ByteBuffer buffer, int length) {
    if (length < 0 || length > buffer.remaining()) {
      throw new IllegalArgumentException("length " + length + " exceeds the envelope");
    }
    byte[] bytes = new byte[length];
    buffer.get(bytes);
    return bytes;
  }

  private static StoreException corrupt(String key, String why) {
    return new StoreException("stored entry for " + key + " is unusable: " + why);
  }
}
