package cachegate.engine;

/**
 * A response store failed or returned data it cannot trust; the engine treats it as a miss or a
 * skipped write. {@link WriteRefusedException} is the one kind that is no failure of the store.
 */
public class StoreException extends CacheGateException {
  private static final long serialVersionUID = 1L;

  public StoreException(String message) {
    super(message);
  }

  public StoreException(String message, Throwable cause) {
    super(message, cause);
  }
}
