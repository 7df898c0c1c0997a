package cachegate.upstream;

import java.util.Locale;
import java.util.Optional;

/**
 * The content codings cachegate reads in an upstream answer (RFC 9110 §8.4): none ({@code
 * identity}) and {@code gzip}, the only one it asks for. An answer in any other coding, or in
 * several, is not read: it was not asked for.
 */
enum ContentEncoding {
  IDENTITY,
  GZIP;

  /** The coding a {@code Content-Encoding} header names (null: none), if cachegate reads it. */
  static Optional<ContentEncoding> of(String header) {
    if (header == null) {
      return Optional.of(IDENTITY);
    }
    return switch (header.strip().toLowerCase(Locale.ROOT)) {
      case "", "identity" -> Optional.of(IDENTITY);
      // RFC 9110 §8.4.1.3: a recipient should treat x-gzip as gzip.
      case "gzip", "x-gzip" -> Optional.of(GZIP);
      default -> Optional.empty();
    };
  }
}
