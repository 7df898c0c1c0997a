package cachegate.config;

import cachegate.engine.DurationText;
import java.time.Duration;
import java.util.Objects;

/**
 * The HTTP server cachegate listens with, and the limits it holds its clients to (as nginx's {@code
 * client_header_timeout}, {@code keepalive_timeout}, {@code send_timeout} and {@code
 * worker_connections}).
 *
 * @param port TCP port; 0 picks a free one (tests)
 * @param headerTimeout how long a client may take to send a request's line and headers, from the
 *     moment the connection opens or the request's first byte arrives; past it: 408 and closed
 * @param idleTimeout how long a connection may wait for its next request between requests; past it:
 *     closed
 * @param sendTimeout how long a client may leave an answer waiting without taking any of it; past
 *     it: the connection is reset
 * @param maxConnections the most client connections open at once; more are answered 503 and closed
 */
public record ServerConfig(
    int port,
    Duration headerTimeout,
    Duration idleTimeout,
    Duration sendTimeout,
    int maxConnections) {
  /** The tutorial's Flask port. */
  public static final int DEFAULT_PORT = 5000;

  /** As generous as a client on a slow mobile link needs, a sixth of nginx's 60 s. */
  public static final Duration DEFAULT_HEADER_TIMEOUT = Duration.ofSeconds(10);

  /**
   * nginx's {@code keepalive_timeout}: longer than the 60 s idle timeout of common load balancers.
   */
  public static final Duration DEFAULT_IDLE_TIMEOUT = Duration.ofSeconds(75);

  /** Half of nginx's {@code send_timeout}. */
  public static final Duration DEFAULT_SEND_TIMEOUT = Duration.ofSeconds(30);

  /** Connections open at once; each costs about 4 KiB of heap, of the README's 96 MiB. */
  public static final int DEFAULT_MAX_CONNECTIONS = 2048;

  public ServerConfig {
    if (port < 0 || port > 65535) {
      throw new ConfigException("PORT must be between 0 and 65535, was " + port);
    }
    positive("CLIENT_HEADER_TIMEOUT", headerTimeout);
    positive("CLIENT_IDLE_TIMEOUT", idleTimeout);
    positive("CLIENT_SEND_TIMEOUT", sendTimeout);
    if (maxConnections < 1) {
      throw new ConfigException("CLIENT_MAX_CONNECTIONS must be positive, was " + maxConnections);
    }
  }

  private static void positive(String name, Duration value) {
    Objects.requireNonNull(value, name);
    if (value.isNegative() || value.isZero()) {
      throw new ConfigException(name + " must be positive, was " + DurationText.of(value));
    }
  }
}
