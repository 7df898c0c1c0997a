package cachegate.support;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Arrays;
import java.util.zip.Deflater;
import java.util.zip.GZIPOutputStream;

/** A gzip bomb that is valid JSON once inflated: a small body that inflates to a huge one. */
public final class GzipBomb {
  private GzipBomb() {}

  /**
   * {@code [}, spaces, {@code ]}: valid JSON of {@code bytes} bytes, gzip-compressed at the best
   * level (about a thousandth of its size), made without holding the inflated bytes.
   */
  public static byte[] of(long bytes) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (GZIPOutputStream gzip =
        new GZIPOutputStream(out, 65536) {
          {
            def.setLevel(Deflater.BEST_COMPRESSION);
          }
        }) {
      gzip.write('[');
      byte[] spaces = new byte[1 << 20];
      Arrays.fill(spaces, (byte) ' ');
      for (long left = bytes - 2; left > 0; left -= spaces.length) {
        gzip.write(spaces, 0, (int) Math.min(left, spaces.length));
      }
      gzip.write(']');
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toByteArray();
  }
}
