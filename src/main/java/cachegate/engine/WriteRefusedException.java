package cachegate.engine;

/**
 * A store that is up and answering refused to keep an entry or a lease because it is full (Redis at
 * {@code maxmemory} with the {@code noeviction} policy). It is not an outage: reads go on serving
 * what the store holds. The store that throws it has already counted it ({@link
 * CacheMetrics#storeFull}) and logged it (one line when it starts refusing, one when it accepts
 * writes again), so callers treat it as a skipped write, or a lease they could not take, without
 * counting or logging it again as a store failure.
 */
public final class WriteRefusedException extends StoreException {
  private static final long serialVersionUID = 1L;

  public WriteRefusedException(String message, Throwable cause) {
    super(message, cause);
  }
}
