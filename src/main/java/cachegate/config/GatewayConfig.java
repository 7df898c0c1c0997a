package cachegate.config;

import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * Everything cachegate is started with. Immutable; built by {@link ConfigLoader}.
 *
 * @param server the HTTP server
 * @param cacheType where answers are kept
 * @param cacheTypeReason how {@code cacheType} was chosen, for the start-up log line
 * @param redis how to reach Redis (used when {@code cacheType} is REDIS)
 * @param routes the routes served, at least one, with distinct names and paths
 * @param routesSource where the routes come from, for the start-up log line
 * @param keyPrefix first segment of every Redis key
 * @param adminToken the bearer token of the admin API and dashboard; empty turns them off
 * @param localMaxBytes the most bytes the in-process tier holds; 0 turns it off in front of Redis
 * @param localDiskMaxBytes the most bytes of identity bodies kept in files; 0 turns them off
 * @param localDiskDirectory where those files are created
 * @param upstreamMaxBodyBytes the longest upstream body read at all; longer ones are refused or cut
 * @param upstreamBufferBytes the most bytes of upstream answers held in memory at once, over all
 *     routes, while they are gathered to be stored; an answer that finds no room is passed on
 * @param tracing whether and where traces are sent
 * @param warnings what is allowed but looks wrong (a duration far outside its sensible range, Redis
 *     settings that disagree), one line each for the start-up log
 */
public record GatewayConfig(
    ServerConfig server,
    CacheType cacheType,
    String cacheTypeReason,
    RedisConfig redis,
    List<RouteConfig> routes,
    String routesSource,
    String keyPrefix,
    long localMaxBytes,
    long localDiskMaxBytes,
    Path localDiskDirectory,
    long upstreamMaxBodyBytes,
    long upstreamBufferBytes,
    String adminToken,
    TracingConfig tracing,
    List<String> warnings) {
  /** The shortest admin token accepted: guessing it must be hopeless. */
  public static final int MIN_ADMIN_TOKEN_LENGTH = 16;

  public static final String DEFAULT_KEY_PREFIX = "cachegate";

  /** What the 64 MiB heap of jvm.options has room for beside connections and buffers. */
  public static final long DEFAULT_LOCAL_MAX_BYTES = 40L * 1024 * 1024;

  /**
   * Identity bodies in files, sent from the kernel's page cache: room for a working set of JSON
   * answers several times the local tier (whose gzip forms it holds), not the process's memory.
   */
  public static final long DEFAULT_LOCAL_DISK_MAX_BYTES = 256L * 1024 * 1024;

  public static final Path DEFAULT_LOCAL_DISK_DIRECTORY = Path.of("/tmp/cachegate");

  /**
   * Ends answers that never end; nginx's {@code proxy_max_temp_file_size} is 1 GiB, but on disk.
   */
  public static final long DEFAULT_UPSTREAM_MAX_BODY_BYTES = 64L * 1024 * 1024;

  /**
   * What the 64 MiB heap of jvm.options holds beside the local tier and 2048 connections: a chunked
   * answer is briefly held twice while it is joined into one array.
   */
  public static final long DEFAULT_UPSTREAM_BUFFER_BYTES = 12L * 1024 * 1024;

  public GatewayConfig {
    Objects.requireNonNull(server, "server");
    Objects.requireNonNull(cacheType, "cacheType");
    Objects.requireNonNull(cacheTypeReason, "cacheTypeReason");
    Objects.requireNonNull(redis, "redis");
    Objects.requireNonNull(routesSource, "routesSource");
    routes = List.copyOf(routes);
    warnings = List.copyOf(warnings);
    if (routes.isEmpty()) {
      throw new ConfigException("at least one route must be configured");
    }
    Objects.requireNonNull(keyPrefix, "keyPrefix");
    Objects.requireNonNull(localDiskDirectory, "localDiskDirectory");
    Objects.requireNonNull(adminToken, "adminToken");
    Objects.requireNonNull(tracing, "tracing");
    if (!adminToken.isEmpty() && adminToken.length() < MIN_ADMIN_TOKEN_LENGTH) {
      throw new ConfigException(
          "CACHEGATE_ADMIN_TOKEN must be at least "
              + MIN_ADMIN_TOKEN_LENGTH
              + " characters, was "
              + adminToken.length()
              + " characters long");
    }
    if (!keyPrefix.matches("[A-Za-z0-9._-]{1,64}")) {
      throw new ConfigException(
          "CACHE_KEY_PREFIX must be 1 to 64 letters, digits, '.', '_' or '-', was '"
              + keyPrefix
              + "'");
    }
    if (upstreamBufferBytes < 1) {
      throw new ConfigException(
          "UPSTREAM_BUFFER_BYTES must be positive, was " + upstreamBufferBytes);
    }
    for (RouteConfig route : routes) {
      long keep = route.policy().maxEntryBytes();
      if (keep > upstreamBufferBytes || keep > upstreamMaxBodyBytes) {
        throw new ConfigException(
            "route '"
                + route.route().name()
                + "' keeps answers up to "
                + keep
                + " bytes (CACHE_MAX_ENTRY_BYTES or maxEntryBytes), more than UPSTREAM_BUFFER_BYTES ("
                + upstreamBufferBytes
                + ") or UPSTREAM_MAX_BODY_BYTES ("
                + upstreamMaxBodyBytes
                + ") allow");
      }
    }
    if (localMaxBytes < 0 || localMaxBytes == 0 && cacheType == CacheType.SIMPLE) {
      throw new ConfigException(
          "CACHE_LOCAL_MAX_BYTES must be positive (0 turns off the local tier in front of Redis only),"
              + " was "
              + localMaxBytes);
    }
    if (localDiskMaxBytes < 0) {
      throw new ConfigException(
          "CACHE_LOCAL_DISK_MAX_BYTES must be 0 (no files) or positive, was " + localDiskMaxBytes);
    }
  }

  /** The admin token, if the admin API is on. */
  public Optional<String> admin() {
    return adminToken.isEmpty() ? Optional.empty() : Optional.of(adminToken);
  }

  @Override
  public String toString() {
    return "GatewayConfig[server=%s, cacheType=%s, redis=%s, routes=%s from %s, keyPrefix=%s, localMaxBytes=%d, localDisk=%d in %s, upstreamMaxBodyBytes=%d, upstreamBufferBytes=%d, admin=%s]"
        .formatted(
            server,
            cacheType,
            redis,
            routes.stream().map(r -> r.route().name()).toList(),
            routesSource,
            keyPrefix,
            localMaxBytes,
            localDiskMaxBytes,
            localDiskDirectory,
            upstreamMaxBodyBytes,
            upstreamBufferBytes,
            adminToken.isEmpty() ? "off" : "on");
  }
}
