package cachegate.config;

/**
 * The HTTP server cachegate listens with.
 *
 * @param port TCP port; 0 picks a free one (tests)
 */
public record ServerConfig(int port) {
  /** The tutorial's Flask port. */
  public static final int DEFAULT_PORT = 5000;

  public ServerConfig {
    if (port < 0 || port > 65535) {
      throw new ConfigException("PORT must be between 0 and 65535, was " + port);
    }
  }
}
