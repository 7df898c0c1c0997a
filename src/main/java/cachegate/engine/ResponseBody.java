package cachegate.engine;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.Base64;
import java.util.zip.Deflater;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;

/**
 * A body in both encodings the cache serves, with its strong entity tag. Built once per upstream
 * answer (compressing) or once per read from a remote store (decompressing), so that serving either
 * encoding copies nothing. Immutable: the arrays are never modified after construction. Compares by
 * content.
 */
public final class ResponseBody {
  private final byte[] identity;
  private final byte[] gzip;
  private final String etag;

  private ResponseBody(byte[] identity, byte[] gzip, String etag) {
    this.identity = identity;
    this.gzip = gzip;
    this.etag = etag;
  }

  /** Compresses {@code identity} (the array is kept, not copied) and derives its entity tag. */
  public static ResponseBody of(byte[] identity) {
    return new ResponseBody(identity, compress(identity), tag(identity));
  }

  /**
   * Restores a body from its stored gzip form.
   *
   * @throws IllegalArgumentException if {@code gzip} is not a valid gzip stream
   */
  public static ResponseBody fromGzip(byte[] gzip, String etag) {
    return new ResponseBody(decompress(gzip), gzip, etag);
  }

  /** The body as the upstream sent it. Shared: callers must not modify it. */
  public byte[] identity() {
    return identity;
  }

  /** The body gzip-compressed. Shared: callers must not modify it. */
  public byte[] gzip() {
    return gzip;
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

  @Override
  public boolean equals(Object other) {
    return other instanceof ResponseBody that && Arrays.equals(identity, that.identity);
  }

  @Override
  public int hashCode() {
    return Arrays.hashCode(identity);
  }

  @Override
  public String toString() {
    return "ResponseBody[" + identity.length + " bytes, " + gzip.length + " gzipped, " + etag + "]";
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

  private static byte[] compress(byte[] identity) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(identity.length / 4 + 64);
    try (GZIPOutputStream gzip =
        new GZIPOutputStream(out, 8192) {
          {
            def.setLevel(Deflater.DEFAULT_COMPRESSION);
          }
        }) {
      gzip.write(identity);
    } catch (IOException e) {
      throw new UncheckedIOException("gzip into memory cannot fail", e);
    }
    return out.toByteArray();
  }

  private static byte[] decompress(byte[] gzip) {
    try (InputStream in = new GZIPInputStream(new ByteArrayInputStream(gzip), 8192)) {
      return in.readAllBytes();
    } catch (IOException e) {
      throw new IllegalArgumentException("not a valid gzip stream: " + e.getMessage(), e);
    }
  }
}
