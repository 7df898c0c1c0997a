package cachegate.http;

import cachegate.engine.CacheGateException;

/** A request that names something cachegate does not have, such as an unknown route (HTTP 404). */
final class NotFoundException extends CacheGateException {
  private static final long serialVersionUID = 1L;

  NotFoundException(String message) {
    super(message);
  }
}
