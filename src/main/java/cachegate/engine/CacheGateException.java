package cachegate.engine;

/** Root of every exception cachegate throws on purpose. Unchecked, as in Caffeine and Lettuce. */
public class CacheGateException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public CacheGateException(String message) {
    super(message);
  }

  public CacheGateException(String message, Throwable cause) {
    super(message, cause);
  }
}
