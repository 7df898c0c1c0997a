package cachegate.engine;

import java.util.OptionalInt;

/**
 * The upstream gave no usable answer. {@link Kind} says why, so the HTTP layer can choose 502 or
 * 504 without parsing messages.
 */
public final class UpstreamException extends CacheGateException {
  private static final long serialVersionUID = 1L;

  /** Why the upstream answer was unusable. */
  public enum Kind {
    /** No connection could be made, or it broke before a full answer arrived. */
    UNREACHABLE,
    /** No full answer within the upstream timeout. */
    TIMEOUT,
    /** The upstream answered with a status outside 2xx. */
    BAD_STATUS,
    /** The upstream answered 2xx with a body that is not JSON. */
    INVALID_BODY
  }

  private final Kind kind;
  private final int status;

  private UpstreamException(Kind kind, int status, String message, Throwable cause) {
    super(message, cause);
    this.kind = kind;
    this.status = status;
  }

  public static UpstreamException unreachable(String target, Throwable cause) {
    return new UpstreamException(
        Kind.UNREACHABLE, 0, "upstream " + target + " is unreachable: " + describe(cause), cause);
  }

  public static UpstreamException timeout(String target, java.time.Duration timeout) {
    return new UpstreamException(
        Kind.TIMEOUT, 0, "upstream " + target + " gave no answer within " + timeout, null);
  }

  public static UpstreamException badStatus(String target, int status) {
    return new UpstreamException(
        Kind.BAD_STATUS, status, "upstream " + target + " answered with status " + status, null);
  }

  public static UpstreamException invalidBody(String target, int status, String problem) {
    return new UpstreamException(
        Kind.INVALID_BODY,
        status,
        "upstream "
            + target
            + " answered "
            + status
            + " with a body that is not JSON ("
            + problem
            + ")",
        null);
  }

  public Kind kind() {
    return kind;
  }

  /** The upstream's HTTP status, when it answered at all. */
  public OptionalInt upstreamStatus() {
    return status == 0 ? OptionalInt.empty() : OptionalInt.of(status);
  }

  private static String describe(Throwable cause) {
    String message = cause.getMessage();
    return message == null ? cause.getClass().getSimpleName() : message;
  }
}
