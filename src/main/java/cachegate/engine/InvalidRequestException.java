package cachegate.engine;

/** A request that cachegate refuses before it reaches any store or upstream (HTTP 400). */
public final class InvalidRequestException extends CacheGateException {
  private static final long serialVersionUID = 1L;

  public InvalidRequestException(String message) {
    super(message);
  }
}
