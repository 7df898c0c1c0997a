package cachegate.config;

import cachegate.engine.CachePolicy;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * Everything cachegate is started with. Immutable; built by {@link ConfigLoader}.
 *
 * @param server the HTTP server
 * @param upstream the universities API
 * @param cacheType where answers are kept
 * @param cacheTypeReason how {@code cacheType} was chosen, for the start-up log line
 * @param redis how to reach Redis (used when {@code cacheType} is REDIS)
 * @param universities the universities route's freshness policy
 * @param defaultTtl TTL for routes that set none of their own
 * @param keyPrefix first segment of every Redis key
 * @param adminToken the bearer token of the admin API and dashboard; empty turns them off
 * @param localMaxBytes the most bytes the in-process tier holds; 0 turns it off in front of Redis
 */
public record GatewayConfig(
    ServerConfig server,
    UpstreamConfig upstream,
    CacheType cacheType,
    String cacheTypeReason,
    RedisConfig redis,
    CachePolicy universities,
    Duration defaultTtl,
    String keyPrefix,
    long localMaxBytes,
    String adminToken) {
  /** The shortest admin token accepted: guessing it must be hopeless. */
  public static final int MIN_ADMIN_TOKEN_LENGTH = 16;

  public static final Duration DEFAULT_DEFAULT_TTL = Duration.ofSeconds(500);
  public static final String DEFAULT_KEY_PREFIX = "cachegate";
  public static final long DEFAULT_LOCAL_MAX_BYTES = 64L * 1024 * 1024;

  public GatewayConfig {
    Objects.requireNonNull(server, "server");
    Objects.requireNonNull(upstream, "upstream");
    Objects.requireNonNull(cacheType, "cacheType");
    Objects.requireNonNull(cacheTypeReason, "cacheTypeReason");
    Objects.requireNonNull(redis, "redis");
    Objects.requireNonNull(universities, "universities");
    Objects.requireNonNull(defaultTtl, "defaultTtl");
    Objects.requireNonNull(keyPrefix, "keyPrefix");
    Objects.requireNonNull(adminToken, "adminToken");
    if (!adminToken.isEmpty() && adminToken.length() < MIN_ADMIN_TOKEN_LENGTH) {
      throw new ConfigException(
          "CACHEGATE_ADMIN_TOKEN must be at least "
              + MIN_ADMIN_TOKEN_LENGTH
              + " characters, was "
              + adminToken.length()
              + " characters long");
    }
    if (defaultTtl.isNegative() || defaultTtl.isZero()) {
      throw new ConfigException("CACHE_DEFAULT_TIMEOUT must be positive, was " + defaultTtl);
    }
    if (!keyPrefix.matches("[A-Za-z0-9._-]{1,64}")) {
      throw new ConfigException(
          "CACHE_KEY_PREFIX must be 1 to 64 letters, digits, '.', '_' or '-', was '"
              + keyPrefix
              + "'");
    }
    if (localMaxBytes < 0 || localMaxBytes == 0 && cacheType == CacheType.SIMPLE) {
      throw new ConfigException(
          "CACHE_LOCAL_MAX_BYTES must be positive (0 turns off the local tier in front of Redis only),"
              + " was "
              + localMaxBytes);
    }
  }

  /** The admin token, if the admin API is on. */
  public Optional<String> admin() {
    return adminToken.isEmpty() ? Optional.empty() : Optional.of(adminToken);
  }

  @Override
  public String toString() {
    return "GatewayConfig[server=%s, upstream=%s, cacheType=%s, redis=%s, universities=%s, keyPrefix=%s, localMaxBytes=%d, admin=%s]"
        .formatted(
            server,
            upstream,
            cacheType,
            redis,
            universities,
            keyPrefix,
            localMaxBytes,
            adminToken.isEmpty() ? "off" : "on");
  }
}
