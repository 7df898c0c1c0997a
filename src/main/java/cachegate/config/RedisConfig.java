package cachegate.config;

import java.time.Duration;
import java.util.Objects;

/**
 * How to reach Redis. {@link #toString()} never shows the password.
 *
 * @param host host name or address
 * @param port TCP port
 * @param database logical database number ({@code SELECT})
 * @param username ACL user name, empty for the default user
 * @param password password, empty for none
 * @param transport plain TCP or TLS ({@code rediss://})
 * @param timeout how long one Redis command may take before it counts as failed
 * @param tlsCaFile a PEM file of the certificate authorities to trust for TLS, empty for the JVM's
 */
public record RedisConfig(
    String host,
    int port,
    int database,
    String username,
    String password,
    Transport transport,
    Duration timeout,
    String tlsCaFile) {
  public static final String DEFAULT_HOST = "localhost";
  public static final int DEFAULT_PORT = 6379;
  public static final int DEFAULT_DATABASE = 0;
  public static final Duration DEFAULT_TIMEOUT = Duration.ofMillis(100);

  /** How the connection is carried. */
  public enum Transport {
    PLAIN,
    TLS
  }

  public RedisConfig {
    Objects.requireNonNull(tlsCaFile, "tlsCaFile");
    Objects.requireNonNull(host, "host");
    Objects.requireNonNull(username, "username");
    Objects.requireNonNull(password, "password");
    Objects.requireNonNull(transport, "transport");
    Objects.requireNonNull(timeout, "timeout");
    if (host.isBlank()) {
      throw new ConfigException("CACHE_REDIS_HOST must not be blank");
    }
    if (port < 1 || port > 65535) {
      throw new ConfigException("CACHE_REDIS_PORT must be between 1 and 65535, was " + port);
    }
    if (database < 0) {
      throw new ConfigException("CACHE_REDIS_DB must not be negative, was " + database);
    }
    if (timeout.isNegative() || timeout.isZero()) {
      throw new ConfigException("CACHE_REDIS_TIMEOUT must be positive, was " + timeout);
    }
  }

  /** A connection that trusts the JVM's certificate authorities when it uses TLS. */
  public RedisConfig(
      String host,
      int port,
      int database,
      String username,
      String password,
      Transport transport,
      Duration timeout) {
    this(host, port, database, username, password, transport, timeout, "");
  }

  public boolean hasPassword() {
    return !password.isEmpty();
  }

  /** The connection as a URL with the password masked, for logs and {@code /health}. */
  public String describe() {
    String auth = hasPassword() ? (username.isEmpty() ? "" : username) + ":***@" : "";
    String scheme = transport == Transport.TLS ? "rediss" : "redis";
    return scheme + "://" + auth + host + ":" + port + "/" + database;
  }

  @Override
  public String toString() {
    return "RedisConfig[" + describe() + ", timeout=" + timeout + "]";
  }
}
