package cachegate.config;

import cachegate.engine.CacheGateException;

/** A configuration value cachegate cannot start with. The message names the variable and value. */
public final class ConfigException extends CacheGateException {
  private static final long serialVersionUID = 1L;

  public ConfigException(String message) {
    super(message);
  }
}
