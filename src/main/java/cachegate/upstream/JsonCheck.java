package cachegate.upstream;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.async.ByteArrayFeeder;
import io.netty.buffer.ByteBuf;
import java.io.IOException;
import java.util.Arrays;
import java.util.Optional;

/**
 * Checks that a body is exactly one JSON value, without building a tree: checked whole with
 * Jackson's blocking parser ({@link #problemWith}), or as it arrives with its non-blocking parser,
 * fed chunk by chunk, so that a body is cut as soon as it stops being JSON. Jackson's non-blocking
 * parser accepts a few malformed bodies when a feed ends at the wrong byte (a field without a
 * value, {@code {"a":}}, or a trailing comma in an object, split just before the brace); {@link
 * #feed} holds such a tail back until the next bytes, so that the verdict does not depend on where
 * chunks end. Not thread-safe: one body, one thread at a time.
 */
final class JsonCheck {
  private static final JsonFactory JSON_FACTORY = new JsonFactory();

  private final JsonParser parser;
  private int depth;
  private boolean started;
  private boolean complete;
  private Optional<String> problem = Optional.empty();

  /** The most bytes held back from one feed to the next. */
  static final int MOST_HELD = 4096;

  private static final byte[] NOTHING = new byte[0];

  /** The tail of the last feed, held back (see {@link #feed}). */
  private byte[] held = NOTHING;

  JsonCheck() {
    try {
      this.parser = JSON_FACTORY.createNonBlockingByteArrayParser();
    } catch (IOException e) {
      throw new IllegalStateException("Jackson cannot make a non-blocking parser", e);
    }
  }

  /** The problem with {@code body}, checked whole, if it is not exactly one JSON value. */
  static Optional<String> problemWith(byte[] body) {
    try (JsonParser whole = JSON_FACTORY.createParser(body)) {
      if (whole.nextToken() == null) {
        return Optional.of("empty body");
      }
      whole.skipChildren();
      if (whole.nextToken() != null) {
        return Optional.of("more content after the JSON value");
      }
      return Optional.empty();
    } catch (JsonProcessingException e) {
      return Optional.of(e.getOriginalMessage());
    } catch (IOException e) {
      return Optional.of(e.toString());
    }
  }

  /**
   * Takes the next {@code length} bytes of the body from {@code bytes} at {@code offset}; returns
   * whether the body is still possibly JSON (once it is not, further bytes are ignored).
   *
   * <p>Jackson's non-blocking parser accepts {@code {"a":}} and {@code {"a":1,}} when one feed ends
   * right after the {@code :} or {@code ,} (whitespace after it included) and the next starts with
   * the {@code }}: such a tail, up to {@link #MOST_HELD} bytes, is held back and fed with the next
   * bytes, so that a chunk boundary there never decides the verdict.
   */
  boolean feed(byte[] bytes, int offset, int length) {
    if (problem.isPresent() || length == 0) {
      return problem.isEmpty();
    }
    byte[] input = bytes;
    int from = offset;
    int to = offset + length;
    if (held.length > 0) {
      input = Arrays.copyOf(held, held.length + length);
      System.arraycopy(bytes, offset, input, held.length, length);
      from = 0;
      to = input.length;
    }
    int keepFrom = heldBackFrom(input, from, to);
    held = Arrays.copyOfRange(input, keepFrom, to);
    if (keepFrom > from) {
      parse(input, from, keepFrom);
    }
    return problem.isEmpty();
  }

  /** Where a tail of {@code :} or {@code ,} and whitespace starts, else {@code to}. */
  private static int heldBackFrom(byte[] input, int from, int to) {
    int at = to - 1;
    while (at >= from && to - at <= MOST_HELD && isWhitespace(input[at])) {
      at--;
    }
    if (at >= from && to - at <= MOST_HELD && (input[at] == ':' || input[at] == ',')) {
      return at;
    }
    return to;
  }

  private static boolean isWhitespace(byte b) {
    return b == ' ' || b == '\n' || b == '\r' || b == '\t';
  }

  private void parse(byte[] input, int from, int to) {
    try {
      ((ByteArrayFeeder) parser.getNonBlockingInputFeeder()).feedInput(input, from, to);
      readTokens();
    } catch (JsonProcessingException e) {
      problem = Optional.of(e.getOriginalMessage());
    } catch (IOException e) {
      problem = Optional.of(e.toString());
    }
  }

  /** Takes a chunk's readable bytes, without copying them when they are in an array. */
  boolean feed(ByteBuf bytes) {
    if (bytes.hasArray()) {
      return feed(bytes.array(), bytes.arrayOffset() + bytes.readerIndex(), bytes.readableBytes());
    }
    byte[] copy = new byte[bytes.readableBytes()];
    bytes.getBytes(bytes.readerIndex(), copy);
    return feed(copy, 0, copy.length);
  }

  /** The problem with the whole body, now that all of it was fed, if it is not one JSON value. */
  Optional<String> end() {
    if (problem.isEmpty() && held.length > 0) {
      parse(held, 0, held.length);
      held = NOTHING;
    }
    if (problem.isEmpty()) {
      try {
        parser.getNonBlockingInputFeeder().endOfInput();
        readTokens();
        if (!started) {
          problem = Optional.of("empty body");
        } else if (!complete) {
          problem = Optional.of("the JSON value is incomplete");
        }
      } catch (JsonProcessingException e) {
        problem = Optional.of(e.getOriginalMessage());
      } catch (IOException e) {
        problem = Optional.of(e.toString());
      }
    }
    return problem;
  }

  private void readTokens() throws IOException {
    JsonToken token;
    while ((token = parser.nextToken()) != null && token != JsonToken.NOT_AVAILABLE) {
      if (complete) {
        problem = Optional.of("more content after the JSON value");
        return;
      }
      started = true;
      if (token.isStructStart()) {
        depth++;
      } else if (token.isStructEnd()) {
        depth--;
      }
      complete = depth == 0;
    }
  }
}
