package cachegate.engine;

import java.util.concurrent.CompletionException;

/** The failure behind the wrappers that {@code CompletableFuture} stages add around it. */
public final class Failures {
  private Failures() {}

  /** {@code failure} without its {@link CompletionException} wrappers. */
  public static Throwable unwrap(Throwable failure) {
    Throwable cause = failure;
    while (cause instanceof CompletionException && cause.getCause() != null) {
      cause = cause.getCause();
    }
    return cause;
  }

  /** The message of the failure behind {@code failure}, or its type when it has none: for logs. */
  public static String message(Throwable failure) {
    Throwable cause = unwrap(failure);
    return cause.getMessage() == null ? cause.getClass().getSimpleName() : cause.getMessage();
  }
}
