package cachegate.engine;

import java.util.concurrent.CompletionException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** The failure behind the wrappers that {@code CompletableFuture} stages add around it. */
public final class Failures {
  /**
   * A socket address as {@code InetSocketAddress.toString()} writes it: {@code
   * host/<unresolved>:port}, {@code host/10.0.0.1:port} or {@code /10.0.0.1:port}.
   */
  private static final Pattern SOCKET_ADDRESS =
      Pattern.compile(
          "(?<![\\w./-])([\\w.-]*)/(<unresolved>|\\d{1,3}(?:\\.\\d{1,3}){3}|\\[[0-9A-Fa-f:.%]+])"
              + "(?=:\\d)");

  private Failures() {}

  /** {@code failure} without its {@link CompletionException} wrappers. */
  public static Throwable unwrap(Throwable failure) {
    Throwable cause = failure;
    while (cause instanceof CompletionException && cause.getCause() != null) {
      cause = cause.getCause();
    }
    return cause;
  }

  /**
   * What went wrong, for one log line or error message: the message of {@code failure} (without its
   * wrappers), followed by that of its root cause when it adds something ({@code Unable to connect
   * to redis:6379: Connection refused}), socket addresses written as people write them.
   */
  public static String describe(Throwable failure) {
    Throwable cause = unwrap(failure);
    String text = message(cause);
    Throwable root = cause;
    while (root.getCause() != null && root.getCause() != root) {
      root = root.getCause();
    }
    String rootText = message(root);
    if (root != cause && root.getMessage() != null && !text.contains(rootText)) {
      text = text + ": " + rootText;
    }
    return text;
  }

  /**
   * {@code text} with socket addresses written plainly: {@code 127.0.0.1/<unresolved>:6379} and
   * {@code redis/10.0.0.5:6379} as {@code 127.0.0.1:6379} and {@code redis:6379}, {@code
   * /10.0.0.5:6379} as {@code 10.0.0.5:6379}.
   */
  public static String plainAddresses(String text) {
    Matcher address = SOCKET_ADDRESS.matcher(text);
    StringBuilder plain = new StringBuilder();
    while (address.find()) {
      String host = address.group(1).isEmpty() ? address.group(2) : address.group(1);
      address.appendReplacement(plain, Matcher.quoteReplacement(host));
    }
    address.appendTail(plain);
    return plain.toString();
  }

  private static String message(Throwable failure) {
    String message = failure.getMessage();
    return message == null ? failure.getClass().getSimpleName() : plainAddresses(message.strip());
  }
}
