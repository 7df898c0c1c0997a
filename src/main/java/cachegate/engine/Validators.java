package cachegate.engine;

import java.util.Objects;
import java.util.Optional;

/**
 * The upstream's validators of a stored answer (RFC 9110 §8.8), sent back when the entry is
 * refreshed so that an unchanged answer comes back as {@code 304 Not Modified} without a body (RFC
 * 9111 §4.3.1). Kept as the upstream wrote them; empty when it sent none.
 *
 * @param etag the upstream's {@code ETag}, sent as {@code If-None-Match}; empty if none
 * @param lastModified the upstream's {@code Last-Modified}, sent as {@code If-Modified-Since};
 *     empty if none
 */
public record Validators(String etag, String lastModified) {
  /** No validators: a refresh asks unconditionally. */
  public static final Validators NONE = new Validators("", "");

  /**
   * The longest validator kept: a header longer than this is not a validator any API sends, and is
   * dropped rather than stored with every entry.
   */
  public static final int MAX_LENGTH = 1024;

  public Validators {
    Objects.requireNonNull(etag, "etag");
    Objects.requireNonNull(lastModified, "lastModified");
  }

  /** Validators from an answer's header values, each absent, blank or too long one left out. */
  public static Validators of(Optional<String> etag, Optional<String> lastModified) {
    return new Validators(usable(etag), usable(lastModified));
  }

  private static String usable(Optional<String> value) {
    if (value.isEmpty()) {
      return "";
    }
    String stripped = value.get().strip();
    if (stripped.length() > MAX_LENGTH) {
      return "";
    }
    for (int i = 0; i < stripped.length(); i++) {
      if (Character.isISOControl(stripped.charAt(i))) {
        return "";
      }
    }
    return stripped;
  }

  /** Whether a request can be made conditional with these. */
  public boolean isPresent() {
    return !etag.isEmpty() || !lastModified.isEmpty();
  }

  /**
   * RFC 9111 §4.3.4: the validators a {@code 304} carries replace the stored ones; those it leaves
   * out are kept.
   */
  public Validators updatedBy(Validators notModified) {
    return new Validators(
        notModified.etag.isEmpty() ? etag : notModified.etag,
        notModified.lastModified.isEmpty() ? lastModified : notModified.lastModified);
  }
}
