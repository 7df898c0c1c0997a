package cachegate.support;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * One HTTP/1.1 answer read off a raw socket, as {@link RequestBurst} and {@link KeepAliveClient}
 * read them: the status line, the headers (names lower-cased, the first value of each), and the
 * body, whole: {@code Content-Length} bytes, or the chunks of a chunked body joined (trailers
 * dropped), or, when the answer has neither, everything up to the end of the stream. Interim 1xx
 * answers are skipped; 204 and 304 have no body. A head over {@link #MAX_HEAD_BYTES} or a body over
 * {@link #MAX_BODY_BYTES} fails the read, so a broken server cannot make a client hold more.
 *
 * <p>Immutable; {@link #body()} is not copied and must not be modified.
 */
public final class RawAnswer {
  /** The most bytes of status line and headers read for one answer. */
  public static final int MAX_HEAD_BYTES = 64 * 1024;

  /** The largest body read. */
  public static final int MAX_BODY_BYTES = 64 * 1024 * 1024;

  /** The most bytes of a chunk's size line (with any extensions). */
  private static final int CHUNK_LINE_BYTES = 4096;

  private final int status;
  private final Map<String, String> headers;
  private final byte[] body;
  private final boolean endedWithStream;

  private RawAnswer(int status, Map<String, String> headers, byte[] body, boolean endedWithStream) {
    this.status = status;
    this.headers = Map.copyOf(headers);
    this.body = body;
    this.endedWithStream = endedWithStream;
  }

  /**
   * Reads one answer from {@code in}, which should be buffered (the head is read a byte at a time).
   * Fails with an {@link IOException} when the stream ends before the answer does or the answer is
   * not HTTP/1.x.
   */
  public static RawAnswer read(InputStream in) throws IOException {
    int[] budget = {MAX_HEAD_BYTES};
    int status = status(line(in, budget));
    while (status < 200) {
      skipFields(in, budget); // an interim answer's headers are not needed
      status = status(line(in, budget));
    }
    Map<String, String> headers = new LinkedHashMap<>();
    for (String header = line(in, budget); !header.isEmpty(); header = line(in, budget)) {
      int colon = header.indexOf(':');
      if (colon > 0) {
        headers.putIfAbsent(
            header.substring(0, colon).trim().toLowerCase(Locale.ROOT),
            header.substring(colon + 1).trim());
      }
    }
    if (status == 204 || status == 304) {
      return new RawAnswer(status, headers, new byte[0], false);
    }
    if ("chunked".equalsIgnoreCase(headers.get("transfer-encoding"))) {
      return new RawAnswer(status, headers, chunks(in, budget), false);
    }
    if (headers.containsKey("content-length")) {
      long length = Long.parseLong(headers.get("content-length"));
      if (length > MAX_BODY_BYTES) {
        throw new IOException("a body of " + length + " bytes, over " + MAX_BODY_BYTES);
      }
      return new RawAnswer(status, headers, exactly(in, (int) length), false);
    }
    byte[] rest = in.readNBytes(MAX_BODY_BYTES + 1);
    if (rest.length > MAX_BODY_BYTES) {
      throw new IOException("a body over " + MAX_BODY_BYTES + " bytes");
    }
    return new RawAnswer(status, headers, rest, true);
  }

  public int status() {
    return status;
  }

  /** The headers, names lower-cased, the first value of each. */
  public Map<String, String> headers() {
    return headers;
  }

  /** The first value of header {@code name} (any case). */
  public Optional<String> header(String name) {
    return Optional.ofNullable(headers.get(name.toLowerCase(Locale.ROOT)));
  }

  /** The body as it came, after any chunked framing; not copied. */
  public byte[] body() {
    return body;
  }

  /**
   * Whether the connection cannot carry another request: the server said {@code Connection: close},
   * or the body ended with the stream.
   */
  public boolean closesConnection() {
    return endedWithStream
        || header("connection").map(value -> value.toLowerCase(Locale.ROOT)).stream()
            .anyMatch(value -> value.contains("close"));
  }

  private static byte[] chunks(InputStream in, int[] budget) throws IOException {
    ByteArrayOutputStream body = new ByteArrayOutputStream();
    for (int size = chunkSize(in); size > 0; size = chunkSize(in)) {
      if (body.size() + (long) size > MAX_BODY_BYTES) {
        throw new IOException("a chunked body over " + MAX_BODY_BYTES + " bytes");
      }
      body.writeBytes(exactly(in, size));
      if (!line(in, new int[] {CHUNK_LINE_BYTES}).isEmpty()) {
        throw new IOException("a chunk longer than its size line says");
      }
    }
    skipFields(in, budget); // trailers are not needed
    return body.toByteArray();
  }

  private static int status(String statusLine) throws IOException {
    String[] parts = statusLine.split(" ", 3);
    if (parts.length < 2
        || !parts[0].startsWith("HTTP/1.")
        || !parts[1].matches("[1-5][0-9][0-9]")) {
      throw new IOException("not an HTTP/1.x status line: " + statusLine);
    }
    return Integer.parseInt(parts[1]);
  }

  /** Skips header or trailer fields up to the empty line that ends them. */
  private static void skipFields(InputStream in, int[] budget) throws IOException {
    String field;
    do {
      field = line(in, budget);
    } while (!field.isEmpty());
  }

  private static int chunkSize(InputStream in) throws IOException {
    String line = line(in, new int[] {CHUNK_LINE_BYTES});
    int extension = line.indexOf(';');
    try {
      return Integer.parseInt((extension < 0 ? line : line.substring(0, extension)).trim(), 16);
    } catch (NumberFormatException e) {
      throw new IOException("not a chunk size line: " + line, e);
    }
  }

  private static byte[] exactly(InputStream in, int length) throws IOException {
    byte[] bytes = in.readNBytes(length);
    if (bytes.length < length) {
      throw new IOException("connection closed after " + bytes.length + " of " + length + " bytes");
    }
    return bytes;
  }

  /** One line without its CRLF; fails at the end of the stream or over the head's budget. */
  private static String line(InputStream in, int[] budget) throws IOException {
    ByteArrayOutputStream line = new ByteArrayOutputStream();
    for (int b = in.read(); b != '\n'; b = in.read()) {
      if (b < 0) {
        throw new IOException("connection closed in the middle of the answer's head");
      }
      if (--budget[0] < 0) {
        throw new IOException("an answer's head over " + MAX_HEAD_BYTES + " bytes");
      }
      if (b != '\r') {
        line.write(b);
      }
    }
    return line.toString(StandardCharsets.ISO_8859_1);
  }
}
