package cachegate.engine;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.Base64;
import java.util.zip.CRC32;
import java.util.zip.DataFormatException;
import java.util.zip.Deflater;
import java.util.zip.GZIPOutputStream;
import java.util.zip.Inflater;

/**
 * A body in both encodings the cache serves, with its strong entity tag. Built once per upstream
 * answer or once per read from a remote store, so that serving either encoding copies nothing. Each
 * form is made the first time it is asked for, then kept: a body from the upstream is compressed
 * when a gzip answer or the store first needs it (an identity answer to a miss never waits for
 * compression), and a body read from a store holds only its gzip form until an identity answer
 * needs it. Two threads asking at once may both compute a form; the results are equal. Immutable as
 * seen from outside: the arrays are never modified once made. Compares by content.
 */
public final class ResponseBody {
  /** Null until first needed, for a body restored by {@link #fromCheckedGzip}. */
  private volatile byte[] identity;

  /** Null until first needed, for a body made by {@link #of}. */
  private volatile byte[] gzip;

  private final String etag;

  private ResponseBody(byte[] identity, byte[] gzip, String etag) {
    this.identity = identity;
    this.gzip = gzip;
    this.etag = etag;
  }

  /**
   * A body from its identity form (the array is kept, not copied), with its entity tag; compressed
   * when {@link #gzip()} is first called.
   */
  public static ResponseBody of(byte[] identity) {
    return new ResponseBody(identity, null, tag(identity));
  }

  /**
   * A body whose gzip form and entity tag were made elsewhere as it arrived, exactly as {@link #of}
   * would make them from {@code identity} (arrays kept, not copied).
   */
  public static ResponseBody prepared(byte[] identity, byte[] gzip, String etag) {
    return new ResponseBody(identity, gzip, etag);
  }

  /**
   * A body from its identity form (kept, not copied) with its entity tag computed elsewhere, as
   * {@link #of} would compute it; compressed when {@link #gzip()} is first called.
   */
  public static ResponseBody tagged(byte[] identity, String etag) {
    return new ResponseBody(identity, null, etag);
  }

  /**
   * Restores a body from its stored gzip form.
   *
   * @throws IllegalArgumentException if {@code gzip} is not a valid gzip stream
   */
  public static ResponseBody fromGzip(byte[] gzip, String etag) {
    return new ResponseBody(decompress(gzip), gzip, etag);
  }

  /**
   * Restores a body from gzip bytes that are known to be exactly those {@link #of} made (the caller
   * checked them against a checksum written with them), without decompressing them now: the
   * identity form is decompressed the first time it is asked for, then kept.
   *
   * @throws IllegalArgumentException if {@code gzip} does not even have a gzip header and trailer
   */
  public static ResponseBody fromCheckedGzip(byte[] gzip, String etag) {
    checkFrame(gzip);
    return new ResponseBody(null, gzip, etag);
  }

  /**
   * The body as the upstream sent it. Shared: callers must not modify it.
   *
   * @throws IllegalStateException if the body was restored by {@link #fromCheckedGzip} from bytes
   *     that do not decompress, which the caller's checksum rules out
   */
  public byte[] identity() {
    byte[] known = identity;
    if (known == null) {
      known = new byte[identityLength()];
      inflateChecked(ByteBuffer.wrap(known));
      identity = known;
    }
    return known;
  }

  /** Whether {@link #identity()} is at hand, without decompressing. */
  public boolean holdsIdentity() {
    return identity != null;
  }

  /**
   * Decompresses the body into {@code target}'s next {@link #identityLength()} bytes without
   * keeping it, for a caller that sends it once from a buffer of its own; {@link #identity()} is
   * the way to get it and keep it.
   *
   * @throws IllegalArgumentException if {@code target} has fewer bytes remaining
   * @throws IllegalStateException as {@link #identity()}
   */
  public void decompressInto(ByteBuffer target) {
    byte[] known = identity;
    if (known != null) {
      target.put(known);
      return;
    }
    if (target.remaining() < identityLength()) {
      throw new IllegalArgumentException(
          "room for " + target.remaining() + " bytes, the body has " + identityLength());
    }
    inflateChecked(target);
  }

  /**
   * Inflates the gzip form, whose bytes a checksum vouched for, into {@code target}; a stream that
   * still does not inflate breaks that promise.
   */
  private void inflateChecked(ByteBuffer target) {
    try {
      inflate(gzip(), target);
    } catch (IllegalArgumentException e) {
      throw new IllegalStateException("a checked gzip body does not decompress", e);
    }
  }

  /** The length of {@link #identity()}, known without decompressing. */
  public int identityLength() {
    byte[] known = identity;
    return known != null ? known.length : (int) littleEndian(gzip, gzip.length - 4);
  }

  /** The body gzip-compressed. Shared: callers must not modify it. */
  public byte[] gzip() {
    byte[] known = gzip;
    if (known == null) {
      known = compress(identity);
      gzip = known;
    }
    return known;
  }

  /**
   * RFC 9110 §8.8.3 strong entity tag of the identity representation, quoted, e.g. {@code
   * "q1w2e3..."}. The gzip representation's tag is {@link #gzipEtag()}: a strong validator must
   * differ between content codings.
   */
  public String etag() {
    return etag;
  }

  /** The strong entity tag of the gzip representation. */
  public String gzipEtag() {
    return etag.substring(0, etag.length() - 1) + "-gz\"";
  }

  /** Equal when the entity tags, which hash the identity form, and the gzip forms are equal. */
  @Override
  public boolean equals(Object other) {
    return other instanceof ResponseBody that
        && etag.equals(that.etag)
        && Arrays.equals(gzip(), that.gzip());
  }

  @Override
  public int hashCode() {
    return etag.hashCode();
  }

  @Override
  public String toString() {
    return "ResponseBody["
        + identityLength()
        + " bytes, "
        + gzip().length
        + " gzipped, "
        + etag
        + "]";
  }

  private static String tag(byte[] identity) {
    try {
      byte[] digest = MessageDigest.getInstance("SHA-256").digest(identity);
      return "\""
          + Base64.getUrlEncoder().withoutPadding().encodeToString(digest).substring(0, 27)
          + "\"";
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JDK provides SHA-256", e);
    }
  }

  /**
   * Compresses as {@link GZIPOutputStream} at the default level would, byte for byte (its header, a
   * raw deflate stream, CRC-32 and size), with this thread's deflater reset instead of a new one
   * per body: a new deflater sets up (and zeroes) about 256 KiB of native memory each time.
   */
  private static byte[] compress(byte[] identity) {
    Deflater deflater = DEFLATERS.get();
    deflater.reset();
    deflater.setInput(identity);
    deflater.finish();
    byte[] out = new byte[GZIP_HEADER + identity.length / 4 + 64 + GZIP_TRAILER];
    System.arraycopy(GZIP_HEADER_BYTES, 0, out, 0, GZIP_HEADER);
    int length = GZIP_HEADER;
    while (!deflater.finished()) {
      if (length == out.length - GZIP_TRAILER) {
        out = Arrays.copyOf(out, out.length * 2);
      }
      length += deflater.deflate(out, length, out.length - GZIP_TRAILER - length);
    }
    CRC32 crc = new CRC32();
    crc.update(identity);
    out = Arrays.copyOf(out, length + GZIP_TRAILER);
    writeLittleEndian(out, length, (int) crc.getValue());
    writeLittleEndian(out, length + 4, identity.length);
    return out;
  }

  /** One deflater per thread at the default level, reset between bodies (see {@link #compress}). */
  private static final ThreadLocal<Deflater> DEFLATERS =
      ThreadLocal.withInitial(() -> new Deflater(Deflater.DEFAULT_COMPRESSION, true));

  /** The header {@link GZIPOutputStream} writes on this JDK (its OS byte changed over versions). */
  private static final byte[] GZIP_HEADER_BYTES = gzipHeader();

  private static byte[] gzipHeader() {
    ByteArrayOutputStream empty = new ByteArrayOutputStream();
    try (GZIPOutputStream stream = new GZIPOutputStream(empty)) {
      stream.flush();
    } catch (IOException e) {
      throw new UncheckedIOException("gzip into memory cannot fail", e);
    }
    return Arrays.copyOf(empty.toByteArray(), GZIP_HEADER);
  }

  private static void writeLittleEndian(byte[] bytes, int at, int value) {
    bytes[at] = (byte) value;
    bytes[at + 1] = (byte) (value >>> 8);
    bytes[at + 2] = (byte) (value >>> 16);
    bytes[at + 3] = (byte) (value >>> 24);
  }

  /** One inflater per thread, reset between bodies: no native set-up per decompression. */
  private static final ThreadLocal<Inflater> INFLATERS =
      ThreadLocal.withInitial(() -> new Inflater(true));

  private static final int GZIP_HEADER = 10;
  private static final int GZIP_TRAILER = 8;
  private static final int MAX_DEFLATE_RATIO = 1032;

  /**
   * Inflates a gzip stream as {@link #compress} writes it (RFC 1952, no optional header fields),
   * into an array of exactly the size its trailer names, checking the CRC-32 and the size as {@code
   * GZIPInputStream} does.
   */
  private static byte[] decompress(byte[] gzip) {
    byte[] identity = new byte[checkFrame(gzip)];
    inflate(gzip, ByteBuffer.wrap(identity));
    return identity;
  }

  /**
   * Inflates {@code gzip} into the next bytes of {@code target}, exactly as many as its trailer
   * names (the caller makes room), checking the CRC-32 and the size.
   */
  private static void inflate(byte[] gzip, ByteBuffer target) {
    int size = checkFrame(gzip);
    ByteBuffer into = target.slice().limit(size);
    int end = gzip.length - GZIP_TRAILER;
    Inflater inflater = INFLATERS.get();
    inflater.reset();
    inflater.setInput(gzip, GZIP_HEADER, end - GZIP_HEADER);
    try {
      int inflated = 0;
      while (!inflater.finished()) {
        if (inflated == size) {
          // The trailer's size is reached: the deflate stream must end here.
          if (inflater.inflate(new byte[1]) > 0 || !inflater.finished()) {
            throw invalid("longer than its trailer says");
          }
          break;
        }
        int remaining = inflater.getRemaining();
        int n = inflater.inflate(into);
        if (n == 0 && inflater.getRemaining() == remaining && !inflater.finished()) {
          // No output and no input taken: the stream is truncated (or wants a dictionary).
          throw invalid("truncated");
        }
        inflated += n;
      }
      if (inflated != size || inflater.getRemaining() != 0) {
        throw invalid("its length does not match its trailer");
      }
    } catch (DataFormatException e) {
      throw invalid(e.getMessage());
    }
    CRC32 crc = new CRC32();
    crc.update(into.flip());
    if (crc.getValue() != littleEndian(gzip, end)) {
      throw invalid("CRC-32 does not match");
    }
    target.position(target.position() + size);
  }

  /**
   * Checks the header as {@link #compress} writes it and the trailer's size, and returns that size.
   */
  private static int checkFrame(byte[] gzip) {
    if (gzip.length < GZIP_HEADER + GZIP_TRAILER
        || (gzip[0] & 0xff) != 0x1f
        || (gzip[1] & 0xff) != 0x8b
        || gzip[2] != Deflater.DEFLATED
        || gzip[3] != 0) {
      throw invalid("bad header");
    }
    long size = littleEndian(gzip, gzip.length - 4);
    // Deflate shrinks data at most about 1032 times: a larger size is a damaged trailer, and must
    // not make us allocate it.
    if (size > Math.min(Integer.MAX_VALUE - 8L, (long) gzip.length * MAX_DEFLATE_RATIO)) {
      throw invalid("its trailer names an impossible size, " + size + " bytes");
    }
    return (int) size;
  }

  private static IllegalArgumentException invalid(String problem) {
    return new IllegalArgumentException("not a valid gzip stream: " + problem);
  }

  private static long littleEndian(byte[] bytes, int at) {
    return (bytes[at] & 0xffL)
        | (bytes[at + 1] & 0xffL) << 8
        | (bytes[at + 2] & 0xffL) << 16
        | (bytes[at + 3] & 0xffL) << 24;
  }
}
