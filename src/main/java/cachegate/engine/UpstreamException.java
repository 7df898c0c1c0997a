package cachegate.engine;

import java.security.cert.CertPathBuilderException;
import java.security.cert.CertPathValidatorException;
import java.security.cert.CertificateException;
import java.time.Duration;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.regex.Pattern;
import javax.net.ssl.SSLHandshakeException;

/**
 * The upstream gave no usable answer. {@link Kind} says why, so the HTTP layer can choose 502, 503
 * or 504 without parsing messages.
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
    INVALID_BODY,
    /**
     * Not asked at all: its circuit breaker is open, too many requests are waiting for it, or its
     * rate budget is spent.
     */
    UNAVAILABLE
  }

  /** A query string as messages quote it, up to the next space or closing punctuation. */
  private static final Pattern QUERY = Pattern.compile("\\?[^\\s,;)\\]'\"]+");

  private static final int MAX_CAUSES = 16;

  private final Kind kind;
  private final int status;
  private final transient Optional<Duration> retryAfter;

  private UpstreamException(
      Kind kind, int status, Optional<Duration> retryAfter, String message, Throwable cause) {
    super(message, cause);
    this.kind = kind;
    this.status = status;
    this.retryAfter = retryAfter;
  }

  /**
   * No answer: no connection, or it broke. A TLS handshake refused for the upstream's certificate
   * says which check failed (not trusted, or not for this host), since "Failed to create SSL
   * connection" leaves the operator to guess.
   */
  public static UpstreamException unreachable(String target, Throwable cause) {
    Throwable unwrapped = Failures.unwrap(cause);
    Throwable withoutQueries = withoutQueries(unwrapped);
    Throwable shown = withoutQueries == unwrapped ? cause : withoutQueries;
    return new UpstreamException(
        Kind.UNREACHABLE,
        0,
        Optional.empty(),
        "upstream "
            + target
            + " is unreachable: "
            + certificateProblem(cause).orElse(describe(shown)),
        shown);
  }

  public static UpstreamException timeout(String target, Duration timeout) {
    return new UpstreamException(
        Kind.TIMEOUT,
        0,
        Optional.empty(),
        "upstream " + target + " gave no answer within " + DurationText.of(timeout),
        null);
  }

  public static UpstreamException badStatus(String target, int status) {
    return badStatus(target, status, Optional.empty());
  }

  /** A non-2xx answer; {@code retryAfter} is its {@code Retry-After}, when it sent one. */
  public static UpstreamException badStatus(
      String target, int status, Optional<Duration> retryAfter) {
    return new UpstreamException(
        Kind.BAD_STATUS,
        status,
        retryAfter,
        "upstream " + target + " answered with status " + status,
        null);
  }

  /**
   * A 401 or 403 from an upstream cachegate sends credentials to: the credentials are refused,
   * which only the operator can fix, so the message says so and names the route whose settings to
   * check.
   */
  public static UpstreamException credentialsRefused(String target, int status, String route) {
    return new UpstreamException(
        Kind.BAD_STATUS,
        status,
        Optional.empty(),
        "upstream "
            + target
            + " refused cachegate's credentials (status "
            + status
            + "): check the upstreamHeaders and upstreamQuery of route '"
            + route
            + "'",
        null);
  }

  public static UpstreamException invalidBody(String target, int status, String problem) {
    return new UpstreamException(
        Kind.INVALID_BODY,
        status,
        Optional.empty(),
        "upstream "
            + target
            + " answered "
            + status
            + " with a body that is not JSON ("
            + problem
            + ")",
        null);
  }

  /** The upstream was not asked; it may be asked again after {@code retryAfter}. */
  public static UpstreamException unavailable(String target, String why, Duration retryAfter) {
    return new UpstreamException(
        Kind.UNAVAILABLE,
        0,
        Optional.of(retryAfter),
        "upstream " + target + " was not asked: " + why,
        null);
  }

  public Kind kind() {
    return kind;
  }

  /** The upstream's HTTP status, when it answered at all. */
  public OptionalInt upstreamStatus() {
    return status == 0 ? OptionalInt.empty() : OptionalInt.of(status);
  }

  /** When the upstream may be asked again, if known. */
  public Optional<Duration> retryAfter() {
    return retryAfter == null ? Optional.empty() : retryAfter;
  }

  /** Whether this failure says the upstream is unwell (as opposed to refusing this one request). */
  public boolean countsAgainstUpstream() {
    return switch (kind) {
      case UNREACHABLE, TIMEOUT, INVALID_BODY -> true;
      case BAD_STATUS -> status >= 500 || status == 429;
      case UNAVAILABLE -> false;
    };
  }

  private static String describe(Throwable cause) {
    return Failures.describe(cause);
  }

  /**
   * {@code failure}, or when a message in its chain quotes a request target with its query (as
   * Vert.x's timeout does: {@code … while executing GET /search?appid=… for server …}), a copy of
   * the chain with each query replaced by {@code ?***}: the query may hold a key, and {@code
   * target} already names the request with secret values masked. The copy keeps each class name and
   * stack trace.
   */
  static Throwable withoutQueries(Throwable failure) {
    boolean quotes = false;
    int depth = 0;
    for (Throwable cause = failure; cause != null && depth < MAX_CAUSES; cause = cause.getCause()) {
      quotes |= cause.getMessage() != null && QUERY.matcher(cause.getMessage()).find();
      depth++;
      if (cause.getCause() == cause) {
        break;
      }
    }
    return quotes ? copyWithoutQueries(failure, MAX_CAUSES) : failure;
  }

  private static Throwable copyWithoutQueries(Throwable failure, int depth) {
    Throwable cause = failure.getCause();
    Throwable copiedCause =
        cause == null || cause == failure || depth <= 1
            ? null
            : copyWithoutQueries(cause, depth - 1);
    String message =
        failure.getMessage() == null
            ? null
            : QUERY.matcher(failure.getMessage()).replaceAll("?***");
    Throwable copy = new QuotedFailure(failure.getClass().getName(), message, copiedCause);
    copy.setStackTrace(failure.getStackTrace());
    return copy;
  }

  /** A failure whose message was changed to leave out a query: named as the original class. */
  private static final class QuotedFailure extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private final String originalClass;

    QuotedFailure(String originalClass, String message, Throwable cause) {
      super(message, cause);
      this.originalClass = originalClass;
    }

    @Override
    public String toString() {
      return getMessage() == null ? originalClass : originalClass + ": " + getMessage();
    }
  }

  /** What was wrong with the upstream's certificate, when a TLS handshake failed for it. */
  private static Optional<String> certificateProblem(Throwable failure) {
    boolean handshake = false;
    for (Throwable cause = failure; cause != null; cause = cause.getCause()) {
      handshake |= cause instanceof SSLHandshakeException;
      String message = String.valueOf(cause.getMessage());
      if (!handshake && !(cause instanceof CertificateException)) {
        continue;
      }
      if (message.contains("No subject alternative") || message.contains("No name matching")) {
        return Optional.of(
            "the TLS certificate's host name did not match the upstream's host ("
                + Failures.plainAddresses(message.strip())
                + ")");
      }
      if (cause instanceof CertPathBuilderException
          || cause instanceof CertPathValidatorException
          || message.contains("unable to find valid certification path")
          || message.contains("PKIX path")) {
        return Optional.of(
            "the TLS certificate was not trusted: it is not signed by an authority in"
                + " UPSTREAM_TLS_CA or the route's upstreamTlsCa (or the JVM's trust store when"
                + " neither is set)");
      }
      if (cause.getCause() == cause) {
        break;
      }
    }
    return Optional.empty();
  }
}
