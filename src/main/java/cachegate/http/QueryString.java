package cachegate.http;

import cachegate.engine.InvalidRequestException;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A strict parser for raw query strings: {@code +} is a space, percent-escapes must be two hex
 * digits, the decoded bytes must be valid UTF-8, and decoded values must not contain control
 * characters (which would include CR and LF). Anything else is an {@link InvalidRequestException}.
 *
 * <p>The HTTP server reads the request line as ISO-8859-1, one char per byte, so a client that
 * sends raw (unescaped) UTF-8 arrives here as one char per byte: chars up to U+00FF are taken as
 * the bytes they stand for, and the bytes are then decoded as UTF-8 together.
 */
final class QueryString {
  private QueryString() {}

  /** Every parameter name with all the values it was given, in order of appearance. */
  static Map<String, List<String>> parse(String rawQuery) {
    Map<String, List<String>> params = new LinkedHashMap<>();
    if (rawQuery == null || rawQuery.isEmpty()) {
      return params;
    }
    for (String pair : rawQuery.split("&")) {
      if (pair.isEmpty()) {
        continue;
      }
      int equals = pair.indexOf('=');
      String name = decode(equals < 0 ? pair : pair.substring(0, equals));
      String value = equals < 0 ? "" : decode(pair.substring(equals + 1));
      params.computeIfAbsent(name, n -> new ArrayList<>()).add(value);
    }
    return params;
  }

  private static String decode(String raw) {
    if (isPlain(raw)) {
      return raw;
    }
    ByteArrayOutputStream bytes = new ByteArrayOutputStream(raw.length());
    for (int i = 0; i < raw.length(); ) {
      int c = raw.codePointAt(i);
      if (c == '#') {
        // RFC 9112 §3.2: a request target has no fragment; a raw '#' is a malformed request.
        throw new InvalidRequestException(
            "query string contains a raw '#' (a fragment) in '" + raw + "'");
      }
      if (c == '%') {
        if (i + 2 >= raw.length()) {
          throw invalidEscape(raw);
        }
        int high = hexDigit(raw.charAt(i + 1));
        int low = hexDigit(raw.charAt(i + 2));
        if (high < 0 || low < 0) {
          throw invalidEscape(raw);
        }
        bytes.write(high << 4 | low);
        i += 3;
      } else {
        if (c == '+') {
          bytes.write(' ');
        } else if (c <= 0xFF) {
          bytes.write(c);
        } else {
          byte[] encoded = Character.toString(c).getBytes(StandardCharsets.UTF_8);
          bytes.write(encoded, 0, encoded.length);
        }
        i += Character.charCount(c);
      }
    }
    String decoded;
    try {
      decoded =
          StandardCharsets.UTF_8
              .newDecoder()
              .onMalformedInput(CodingErrorAction.REPORT)
              .onUnmappableCharacter(CodingErrorAction.REPORT)
              .decode(ByteBuffer.wrap(bytes.toByteArray()))
              .toString();
    } catch (CharacterCodingException e) {
      throw new InvalidRequestException("query string is not valid UTF-8 near '" + raw + "'");
    }
    for (int i = 0; i < decoded.length(); i++) {
      if (Character.isISOControl(decoded.charAt(i))) {
        throw new InvalidRequestException(
            "query string contains control characters near '" + raw + "'");
      }
    }
    return decoded;
  }

  /**
   * Printable ASCII without {@code %}, {@code +} or {@code #}: the text is its own decoding (what
   * most queries are, so they skip the byte buffer and the UTF-8 decoder).
   */
  private static boolean isPlain(String raw) {
    for (int i = 0; i < raw.length(); i++) {
      char c = raw.charAt(i);
      if (c <= ' ' || c >= 0x7F || c == '%' || c == '+' || c == '#') {
        return false;
      }
    }
    return true;
  }

  /** The value of an ASCII hex digit, or -1: {@link Character#digit} would accept other scripts. */
  private static int hexDigit(char c) {
    if (c >= '0' && c <= '9') {
      return c - '0';
    }
    if (c >= 'a' && c <= 'f') {
      return c - 'a' + 10;
    }
    if (c >= 'A' && c <= 'F') {
      return c - 'A' + 10;
    }
    return -1;
  }

  private static InvalidRequestException invalidEscape(String raw) {
    return new InvalidRequestException(
        "query string has an invalid percent-escape in '" + raw + "'");
  }
}
