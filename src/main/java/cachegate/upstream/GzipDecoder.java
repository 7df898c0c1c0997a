package cachegate.upstream;

import java.util.Arrays;
import java.util.zip.CRC32;
import java.util.zip.DataFormatException;
import java.util.zip.Inflater;

/**
 * Inflates a gzip body (RFC 1952: one member or several concatenated, with any optional header
 * fields) as its bytes arrive, a bounded piece at a time, and refuses it once it inflates to more
 * than a cap: a small body that would inflate to gigabytes (a gzip bomb) costs no more than the cap
 * and the piece buffer the caller hands in. Each member's CRC-32 and size are checked against its
 * trailer. Holds an {@link Inflater} (native memory) until {@link #close}. Not thread-safe: one
 * body, one thread at a time.
 */
final class GzipDecoder implements AutoCloseable {
  /** Longer optional header fields (file name, comment, extra) are refused as damaged. */
  static final int MAX_HEADER_BYTES = 64 * 1024;

  private static final int FHCRC = 2;
  private static final int FEXTRA = 4;
  private static final int FNAME = 8;
  private static final int FCOMMENT = 16;
  private static final int RESERVED = 0xe0;

  private enum State {
    HEADER,
    DATA,
    TRAILER,
    BETWEEN
  }

  /** Why a body was refused: {@link #tooLarge()}, else damaged. */
  static final class Refused extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private final boolean tooLarge;

    private Refused(String message, boolean tooLarge) {
      super(message, null, false, false);
      this.tooLarge = tooLarge;
    }

    /** Whether it inflated past the cap (else it is not valid gzip). */
    boolean tooLarge() {
      return tooLarge;
    }
  }

  private final long cap;
  private final Inflater inflater = new Inflater(true);
  private final CRC32 crc = new CRC32();
  private State state = State.HEADER;

  /** Bytes given and not consumed yet are {@code input[at..end)}. */
  private byte[] input = new byte[0];

  private int at;
  private int end;
  private long memberSize;
  private long inflated;
  private int members;
  private boolean plainHeaders = true;
  private boolean closed;

  /** A decoder that refuses a body once it inflates to more than {@code cap} bytes. */
  GzipDecoder(long cap) {
    this.cap = cap;
  }

  /** Takes the next compressed bytes (copied). */
  void give(byte[] bytes, int offset, int count) {
    if (count == 0) {
      return;
    }
    syncPosition();
    byte[] joined = Arrays.copyOfRange(input, at, end + count);
    System.arraycopy(bytes, offset, joined, end - at, count);
    input = joined;
    end = joined.length;
    at = 0;
    if (state == State.DATA) {
      inflater.setInput(input, at, end - at);
    }
  }

  /**
   * Inflates what it can into {@code out}, at most {@code out.length} bytes; returns how many, 0
   * when it needs more input (or the body is complete).
   *
   * @throws Refused if the bytes are not gzip, or inflate to more than the cap
   */
  int inflate(byte[] out) {
    while (true) {
      switch (state) {
        case HEADER -> {
          int length = headerLength();
          if (length < 0) {
            return 0;
          }
          plainHeaders &= length == 10 && input[at + 3] == 0;
          at += length;
          members++;
          memberSize = 0;
          crc.reset();
          inflater.reset();
          inflater.setInput(input, at, end - at);
          state = State.DATA;
        }
        case DATA -> {
          int count;
          try {
            count = inflater.inflate(out);
          } catch (DataFormatException e) {
            throw damaged(e.getMessage());
          }
          syncPosition();
          if (count > 0) {
            crc.update(out, 0, count);
            memberSize += count;
            inflated += count;
            if (inflated > cap) {
              throw new Refused("it inflates to more than " + cap + " bytes", true);
            }
            return count;
          }
          if (inflater.finished()) {
            state = State.TRAILER;
          } else if (inflater.needsDictionary()) {
            throw damaged("it asks for a preset dictionary");
          } else {
            return 0;
          }
        }
        case TRAILER -> {
          if (end - at < 8) {
            return 0;
          }
          if ((int) crc.getValue() != littleEndian(at)) {
            throw damaged("CRC-32 does not match");
          }
          if ((int) memberSize != littleEndian(at + 4)) {
            throw damaged("its size does not match its trailer");
          }
          at += 8;
          state = State.BETWEEN;
        }
        case BETWEEN -> {
          if (at == end) {
            return 0;
          }
          state = State.HEADER;
        }
      }
    }
  }

  /**
   * Checks that the body given so far ended where a member ends, once all of it was given and
   * {@link #inflate} returned 0.
   *
   * @throws Refused if it is truncated
   */
  void finish() {
    if (state != State.BETWEEN || at != end) {
      throw damaged(members == 0 && end == 0 ? "empty" : "truncated");
    }
  }

  /** Bytes inflated so far. */
  long inflated() {
    return inflated;
  }

  /**
   * Whether the body, once {@link #finish} passed, is one member whose header has no optional
   * field: the form the cache stores, so it can be kept as it is.
   */
  boolean isOnePlainMember() {
    return members == 1 && plainHeaders;
  }

  /** Gives the inflater's native memory back. */
  @Override
  public void close() {
    if (!closed) {
      closed = true;
      inflater.end();
    }
  }

  private void syncPosition() {
    if (state == State.DATA) {
      at = end - inflater.getRemaining();
    }
  }

  /** The length of the member header at {@code at}, or -1 if more bytes are needed. */
  private int headerLength() {
    int available = end - at;
    if (available < 10) {
      return -1;
    }
    if ((input[at] & 0xff) != 0x1f || (input[at + 1] & 0xff) != 0x8b || input[at + 2] != 8) {
      throw damaged(members == 0 ? "no gzip header" : "trailing bytes after the last member");
    }
    int flags = input[at + 3] & 0xff;
    if ((flags & RESERVED) != 0) {
      throw damaged("reserved header flags set");
    }
    int length = 10;
    if ((flags & FEXTRA) != 0) {
      if (available < length + 2) {
        return -1;
      }
      length += 2 + ((input[at + length] & 0xff) | (input[at + length + 1] & 0xff) << 8);
    }
    for (int field : new int[] {FNAME, FCOMMENT}) {
      if ((flags & field) != 0) {
        int zero = length;
        while (zero < available && zero <= MAX_HEADER_BYTES && input[at + zero] != 0) {
          zero++;
        }
        if (zero > MAX_HEADER_BYTES) {
          throw damaged("a header longer than " + MAX_HEADER_BYTES + " bytes");
        }
        if (zero >= available) {
          return -1;
        }
        length = zero + 1;
      }
    }
    if ((flags & FHCRC) != 0) {
      length += 2;
    }
    if (length > MAX_HEADER_BYTES) {
      throw damaged("a header longer than " + MAX_HEADER_BYTES + " bytes");
    }
    return length <= available ? length : -1;
  }

  private int littleEndian(int from) {
    return (input[from] & 0xff)
        | (input[from + 1] & 0xff) << 8
        | (input[from + 2] & 0xff) << 16
        | (input[from + 3] & 0xff) << 24;
  }

  private static Refused damaged(String problem) {
    return new Refused("not valid gzip: " + problem, false);
  }
}
