package cachegate.support;

import java.io.IOException;
import java.io.InputStream;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * The head of a request to {@link HostileUpstream}: what the answer depends on. The behaviour is
 * the first path segment; parameters come from later {@code name=value} path segments and from the
 * query (which wins), URL-decoded.
 */
record HostileRequest(
    String method, String target, String path, Map<String, String> params, boolean keepAlive) {
  private static final int MAX_HEAD = 64 * 1024;

  /** Reads one request's head (and skips any Content-Length body); empty at end of stream. */
  static Optional<HostileRequest> read(InputStream in) throws IOException {
    int[] budget = {MAX_HEAD};
    String line = line(in, budget);
    if (line == null) {
      return Optional.empty();
    }
    String[] parts = line.split(" ", 3);
    if (parts.length != 3) {
      throw new IllegalArgumentException("not a request line: " + line);
    }
    boolean keepAlive = parts[2].equals("HTTP/1.1");
    long bodyLength = 0;
    for (String header = line(in, budget);
        header != null && !header.isEmpty();
        header = line(in, budget)) {
      String lower = header.toLowerCase(Locale.ROOT);
      if (lower.startsWith("connection:") && lower.contains("close")) {
        keepAlive = false;
      } else if (lower.startsWith("content-length:")) {
        bodyLength = Long.parseLong(header.substring(15).trim());
      } else if (lower.startsWith("transfer-encoding:")) {
        throw new IllegalArgumentException("request bodies in chunks are not supported");
      }
    }
    in.skipNBytes(bodyLength);
    int query = parts[1].indexOf('?');
    String path = query < 0 ? parts[1] : parts[1].substring(0, query);
    Map<String, String> params = new HashMap<>();
    String[] segments = path.split("/");
    for (int i = 2; i < segments.length; i++) {
      param(segments[i], params);
    }
    if (query >= 0) {
      for (String pair : parts[1].substring(query + 1).split("&")) {
        param(pair, params);
      }
    }
    return Optional.of(new HostileRequest(parts[0], parts[1], path, Map.copyOf(params), keepAlive));
  }

  String behaviour() {
    String[] segments = path.split("/");
    return segments.length > 1 ? segments[1] : "";
  }

  /** A required non-negative number; an IllegalArgumentException (hence a 400) otherwise. */
  long number(String name) {
    String value = params.get(name);
    if (value == null) {
      throw new IllegalArgumentException(name + " is required");
    }
    long number = Long.parseLong(value);
    if (number < 0) {
      throw new IllegalArgumentException(name + " must not be negative, was " + value);
    }
    return number;
  }

  long number(String name, long otherwise) {
    return params.containsKey(name) ? number(name) : otherwise;
  }

  private static void param(String pair, Map<String, String> params) {
    int equals = pair.indexOf('=');
    if (equals > 0) {
      params.put(
          URLDecoder.decode(pair.substring(0, equals), StandardCharsets.UTF_8),
          URLDecoder.decode(pair.substring(equals + 1), StandardCharsets.UTF_8));
    }
  }

  /** A line without its CRLF, as ISO-8859-1; null at end of stream. */
  private static String line(InputStream in, int[] budget) throws IOException {
    StringBuilder line = new StringBuilder();
    for (int b = in.read(); b != '\n'; b = in.read()) {
      if (b < 0) {
        return line.length() == 0 ? null : line.toString();
      }
      if (--budget[0] < 0) {
        throw new IllegalArgumentException("request head over " + MAX_HEAD + " bytes");
      }
      line.append((char) b);
    }
    int end = line.length();
    return end > 0 && line.charAt(end - 1) == '\r' ? line.substring(0, end - 1) : line.toString();
  }
}
