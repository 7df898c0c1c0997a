package cachegate.config;

import java.util.Locale;

/** Where answers are kept, named as in flask-caching's {@code CACHE_TYPE}. */
public enum CacheType {
  /** In Redis, shared by every instance ({@code redis}, {@code RedisCache}). */
  REDIS("redis"),
  /**
   * In a Redis Cluster, shared by every instance ({@code redis-cluster}, {@code
   * RedisClusterCache}).
   */
  REDIS_CLUSTER("redis-cluster"),
  /**
   * In the Redis master that Sentinel names, shared by every instance ({@code redis-sentinel},
   * {@code RedisSentinelCache}).
   */
  REDIS_SENTINEL("redis-sentinel"),
  /** In this process only ({@code simple}, {@code SimpleCache}). */
  SIMPLE("simple"),
  /** Nowhere: every request goes to the upstream ({@code null}, {@code NullCache}). */
  NULL("null");

  private final String label;

  CacheType(String label) {
    this.label = label;
  }

  /** The short name used in logs and {@code /health}. */
  public String label() {
    return label;
  }

  /** Whether answers are kept in Redis, in any topology. */
  public boolean isRedis() {
    return this == REDIS || this == REDIS_CLUSTER || this == REDIS_SENTINEL;
  }

  /** Parses flask-caching's names and their short forms, ignoring case. */
  static CacheType parse(String value) {
    return switch (value.strip().toLowerCase(Locale.ROOT)) {
      case "redis", "rediscache" -> REDIS;
      case "redis-cluster", "rediscluster", "redisclustercache" -> REDIS_CLUSTER;
      case "redis-sentinel", "redissentinel", "redissentinelcache" -> REDIS_SENTINEL;
      case "simple", "simplecache" -> SIMPLE;
      case "null", "nullcache" -> NULL;
      default ->
          throw new ConfigException(
              "CACHE_TYPE must be one of redis, RedisCache, redis-cluster, RedisClusterCache,"
                  + " redis-sentinel, RedisSentinelCache, simple, SimpleCache, null, NullCache; was '"
                  + value
                  + "'");
    };
  }
}
