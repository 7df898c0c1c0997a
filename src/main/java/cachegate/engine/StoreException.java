package cachegate.engine;

/** A response store failed or returned data it cannot trust; the engine treats it as a miss. */
public final class StoreException extends CacheGateException {
  private static final long serialVersionUID = 1L;

  public StoreException(String message) {
    super(message);
  }

  public StoreException(String message, Throwable cause) {
    super(message, cause);
  }
}
