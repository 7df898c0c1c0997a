package cachegate.support;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Objects;

/**
 * The bodies {@link HostileUpstream} sends (its Javadoc shows an element), generated on the fly
 * from a small template and never held in memory: a JSON array of university-like objects, each
 * naming the request target.
 *
 * <p>A body of {@code length} bytes is {@code [}, as many elements as fit (comma-separated), then
 * spaces, then {@code ]}: the spaces (fewer than one element's worth) make the length exact and are
 * JSON whitespace (RFC 8259 §2), so every body of at least 2 bytes is valid JSON. An {@link
 * #ENDLESS} body is {@code [} and elements forever. A body is a function of the target and the
 * length alone, so a test regenerates what was sent to compare it. Not thread-safe.
 */
final class JsonFlood extends InputStream {
  /** The length of a body that never ends. */
  static final long ENDLESS = -1;

  private static final byte[] NAME = ascii("{\"name\":\"University ");
  private static final byte[] DOMAIN = ascii("\",\"country\":\"Hostilia\",\"domains\":[\"u");
  private static final byte[] TARGET = ascii(".example\"],\"target\":\"");
  private static final byte[] END = ascii("\"}");

  /** A comma, the fixed parts of an element and its two numbers of up to 19 digits each. */
  private static final int ELEMENT_WITHOUT_TARGET =
      1 + NAME.length + DOMAIN.length + TARGET.length + END.length + 2 * 19;

  private final long length;
  private final byte[] target;
  private final byte[] piece;
  private final byte[] single = new byte[1];
  private int pieceStart;
  private int pieceEnd;
  private long position;
  private long index;
  private boolean padding;

  JsonFlood(String target, long length) {
    if (length != ENDLESS && length < 2) {
      throw new IllegalArgumentException("a JSON array has at least 2 bytes, was " + length);
    }
    this.length = length;
    this.target = ascii(escape(target));
    this.piece = new byte[ELEMENT_WITHOUT_TARGET + this.target.length];
  }

  /** Compares {@code received}, read to its end, with the body; see HostileUpstream#mismatch. */
  static long mismatch(InputStream received, String target, long length) throws IOException {
    JsonFlood expected = new JsonFlood(target, length);
    byte[] got = new byte[16 * 1024];
    byte[] want = new byte[got.length];
    long offset = 0;
    while (true) {
      int n = received.readNBytes(got, 0, got.length);
      if (n == 0) {
        return length == ENDLESS || expected.read() == -1 ? -1 : offset;
      }
      int m = expected.readNBytes(want, 0, n);
      int differs = Arrays.mismatch(got, 0, n, want, 0, m);
      if (differs >= 0) {
        return offset + differs;
      }
      offset += n;
    }
  }

  @Override
  public int read() {
    return read(single, 0, 1) < 0 ? -1 : single[0] & 0xff;
  }

  @Override
  public int read(byte[] into, int offset, int count) {
    Objects.checkFromIndexSize(offset, count, into.length);
    if (length != ENDLESS && position == length) {
      return -1;
    }
    int written = 0;
    while (written < count && (length == ENDLESS || position < length)) {
      if (pieceStart == pieceEnd) {
        nextPiece();
      }
      int n = Math.min(count - written, pieceEnd - pieceStart);
      System.arraycopy(piece, pieceStart, into, offset + written, n);
      pieceStart += n;
      written += n;
      position += n;
    }
    return written;
  }

  /** Fills {@link #piece} with what follows: the '[', an element, spaces or the ']'. */
  private void nextPiece() {
    pieceStart = 0;
    if (position == 0) {
      piece[0] = '[';
      pieceEnd = 1;
      return;
    }
    if (!padding) {
      pieceEnd = element();
      if (length == ENDLESS || position + pieceEnd + 1 <= length) {
        index++;
        return;
      }
      padding = true;
    }
    long spaces = length - position - 1;
    if (spaces == 0) {
      piece[0] = ']';
      pieceEnd = 1;
    } else {
      pieceEnd = (int) Math.min(spaces, piece.length);
      Arrays.fill(piece, 0, pieceEnd, (byte) ' ');
    }
  }

  /** Writes element {@link #index} (with its leading comma after the first) into the piece. */
  private int element() {
    int at = 0;
    if (index > 0) {
      piece[at++] = ',';
    }
    at = put(NAME, at);
    at = digits(index, at);
    at = put(DOMAIN, at);
    at = digits(index, at);
    at = put(TARGET, at);
    at = put(target, at);
    return put(END, at);
  }

  private int put(byte[] bytes, int at) {
    System.arraycopy(bytes, 0, piece, at, bytes.length);
    return at + bytes.length;
  }

  private int digits(long value, int at) {
    int end = at + 1;
    for (long rest = value / 10; rest > 0; rest /= 10) {
      end++;
    }
    long rest = value;
    for (int i = end - 1; i >= at; i--) {
      piece[i] = (byte) ('0' + rest % 10);
      rest /= 10;
    }
    return end;
  }

  /** A JSON string's content, in ASCII: quotes, backslashes and non-printables escaped. */
  private static String escape(String text) {
    StringBuilder escaped = new StringBuilder(text.length());
    for (char c : text.toCharArray()) {
      if (c == '"' || c == '\\') {
        escaped.append('\\').append(c);
      } else if (c < 0x20 || c > 0x7e) {
        escaped.append(String.format("\\u%04x", (int) c));
      } else {
        escaped.append(c);
      }
    }
    return escaped.toString();
  }

  private static byte[] ascii(String text) {
    return text.getBytes(StandardCharsets.US_ASCII);
  }
}
