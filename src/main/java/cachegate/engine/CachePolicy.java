package cachegate.engine;

import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * How long a route's answers are served, fresh and stale. It lives in the engine, beside {@link
 * Freshness} which reads it, so that the engine depends on nothing but the JDK.
 *
 * @param ttl how long an answer is served without asking the upstream (RFC 9111 freshness lifetime)
 * @param staleWhileRevalidate how long past {@code ttl} an answer is still served at once while one
 *     background refresh replaces it (RFC 5861 §3)
 * @param staleIfError how long past {@code ttl} an answer is served when the upstream fails (RFC
 *     5861 §4)
 * @param ttlJitter the largest fraction taken off {@code ttl} at random per entry, so that entries
 *     written together do not expire together (0 disables)
 * @param maxEntryBytes answers with a larger body are served but not stored
 * @param statusTtls the 4xx statuses whose answers are cached, each with its TTL (2xx answers are
 *     cached for {@code ttl}; other 4xx are passed on to the client and not cached)
 * @param ttlFrom where a 2xx answer's freshness lifetime comes from
 * @param maxTtl the longest lifetime taken from the upstream ({@link TtlFrom#UPSTREAM})
 * @param upstreamPrivate whether an answer the upstream marks {@code Cache-Control: private} is
 *     stored
 */
public record CachePolicy(
    Duration ttl,
    Duration staleWhileRevalidate,
    Duration staleIfError,
    double ttlJitter,
    long maxEntryBytes,
    Map<Integer, Duration> statusTtls,
    TtlFrom ttlFrom,
    Duration maxTtl,
    UpstreamPrivate upstreamPrivate) {
  /** Where an answer's freshness lifetime comes from. */
  public enum TtlFrom {
    /** Always {@link #ttl()}: the route decides, whatever the upstream says. */
    ROUTE,
    /**
     * The upstream's {@code Cache-Control: s-maxage}/{@code max-age} or {@code Expires}, at most
     * {@link #maxTtl()}, else {@link #ttl()} ({@link UpstreamTtl}).
     */
    UPSTREAM
  }

  public static final TtlFrom DEFAULT_TTL_FROM = TtlFrom.ROUTE;

  public static final Duration DEFAULT_MAX_TTL = Duration.ofDays(1);

  /**
   * What becomes of an answer the upstream marks {@code Cache-Control: private}. Whatever this
   * says, an answer marked {@code no-store} or setting a cookie is never stored.
   */
  public enum UpstreamPrivate {
    /** Not stored, as RFC 9111 §5.2.2.7 asks of a shared cache. */
    REFUSE,
    /**
     * Stored and shared like any answer, as nginx's {@code proxy_ignore_headers Cache-Control}: for
     * a route that calls with cachegate's own credentials, whose "private" answers are private to
     * cachegate's account and shared on purpose (GitHub marks every authenticated answer so).
     */
    STORE
  }

  public static final UpstreamPrivate DEFAULT_UPSTREAM_PRIVATE = UpstreamPrivate.REFUSE;

  /** The tutorial's {@code @cache.cached(timeout=30)}. */
  public static final Duration DEFAULT_TTL = Duration.ofSeconds(30);

  public static final Duration DEFAULT_STALE_WHILE_REVALIDATE = Duration.ofSeconds(60);
  public static final Duration DEFAULT_STALE_IF_ERROR = Duration.ofDays(1);
  public static final double DEFAULT_TTL_JITTER = 0.05;
  public static final long DEFAULT_MAX_ENTRY_BYTES = 5L * 1024 * 1024;

  /**
   * 404 and 410 cached for a minute, as nginx's {@code proxy_cache_valid 404 1m}: an unknown id
   * asked again and again costs one upstream call a minute, and a new one is found within one.
   */
  public static final Map<Integer, Duration> DEFAULT_STATUS_TTLS =
      Map.of(404, Duration.ofSeconds(60), 410, Duration.ofSeconds(60));

  public CachePolicy {
    Objects.requireNonNull(ttl, "ttl");
    Objects.requireNonNull(ttlFrom, "ttlFrom");
    Objects.requireNonNull(maxTtl, "maxTtl");
    Objects.requireNonNull(upstreamPrivate, "upstreamPrivate");
    if (maxTtl.isNegative() || maxTtl.isZero()) {
      throw new IllegalArgumentException(
          "cache max ttl must be positive, was " + DurationText.of(maxTtl));
    }
    Objects.requireNonNull(staleWhileRevalidate, "staleWhileRevalidate");
    Objects.requireNonNull(staleIfError, "staleIfError");
    if (ttl.isNegative() || ttl.isZero()) {
      throw new IllegalArgumentException("cache ttl must be positive, was " + DurationText.of(ttl));
    }
    if (staleWhileRevalidate.isNegative() || staleIfError.isNegative()) {
      throw new IllegalArgumentException(
          "stale windows must not be negative, were "
              + DurationText.of(staleWhileRevalidate)
              + " and "
              + DurationText.of(staleIfError));
    }
    if (!(ttlJitter >= 0 && ttlJitter < 1)) {
      throw new IllegalArgumentException("ttl jitter must be in [0, 1), was " + ttlJitter);
    }
    if (maxEntryBytes < 1) {
      throw new IllegalArgumentException("max entry bytes must be positive, was " + maxEntryBytes);
    }
    statusTtls = Map.copyOf(statusTtls);
    statusTtls.forEach(CachePolicy::checkStatusTtl);
  }

  /** A policy that stores no answer the upstream marks {@code private}. */
  public CachePolicy(
      Duration ttl,
      Duration staleWhileRevalidate,
      Duration staleIfError,
      double ttlJitter,
      long maxEntryBytes,
      Map<Integer, Duration> statusTtls,
      TtlFrom ttlFrom,
      Duration maxTtl) {
    this(
        ttl,
        staleWhileRevalidate,
        staleIfError,
        ttlJitter,
        maxEntryBytes,
        statusTtls,
        ttlFrom,
        maxTtl,
        DEFAULT_UPSTREAM_PRIVATE);
  }

  /**
   * A policy caching {@link #DEFAULT_STATUS_TTLS}, whose 2xx lifetimes are the route's {@code ttl}.
   */
  public CachePolicy(
      Duration ttl,
      Duration staleWhileRevalidate,
      Duration staleIfError,
      double ttlJitter,
      long maxEntryBytes) {
    this(
        ttl,
        staleWhileRevalidate,
        staleIfError,
        ttlJitter,
        maxEntryBytes,
        DEFAULT_STATUS_TTLS,
        DEFAULT_TTL_FROM,
        DEFAULT_MAX_TTL);
  }

  private static void checkStatusTtl(int status, Duration statusTtl) {
    if (!isCacheableStatus(status)) {
      throw new IllegalArgumentException(
          "cached statuses must be 4xx other than 408 and 429, was " + status);
    }
    if (statusTtl.isNegative() || statusTtl.isZero()) {
      throw new IllegalArgumentException(
          "the ttl of status " + status + " must be positive, was " + DurationText.of(statusTtl));
    }
  }

  /**
   * Whether a route may cache answers of {@code status}: a 4xx that answers the request (not 408 or
   * 429, which say the upstream could not or would not answer now).
   */
  public static boolean isCacheableStatus(int status) {
    return status >= 400 && status <= 499 && status != 408 && status != 429;
  }

  /** This policy caching the 4xx statuses of {@code statusTtls} instead. */
  public CachePolicy withStatusTtls(Map<Integer, Duration> statusTtls) {
    return new CachePolicy(
        ttl,
        staleWhileRevalidate,
        staleIfError,
        ttlJitter,
        maxEntryBytes,
        statusTtls,
        ttlFrom,
        maxTtl,
        upstreamPrivate);
  }

  /** How long an answer of {@code status} is cached: {@code ttl} for 2xx; empty if never. */
  public Optional<Duration> ttlFor(int status) {
    if (status >= 200 && status <= 299) {
      return Optional.of(ttl);
    }
    return Optional.ofNullable(statusTtls.get(status));
  }

  /** A policy with this TTL and the default stale windows, jitter, size limit and statuses. */
  public static CachePolicy ofTtl(Duration ttl) {
    return new CachePolicy(
        ttl,
        DEFAULT_STALE_WHILE_REVALIDATE,
        DEFAULT_STALE_IF_ERROR,
        DEFAULT_TTL_JITTER,
        DEFAULT_MAX_ENTRY_BYTES);
  }

  /**
   * This policy taking 2xx lifetimes from {@code ttlFrom}, at most {@code maxTtl} from the
   * upstream.
   */
  public CachePolicy withTtlFrom(TtlFrom ttlFrom, Duration maxTtl) {
    return new CachePolicy(
        ttl,
        staleWhileRevalidate,
        staleIfError,
        ttlJitter,
        maxEntryBytes,
        statusTtls,
        ttlFrom,
        maxTtl,
        upstreamPrivate);
  }

  /**
   * This policy doing with answers the upstream marks {@code private} as {@code upstreamPrivate}.
   */
  public CachePolicy withUpstreamPrivate(UpstreamPrivate upstreamPrivate) {
    return new CachePolicy(
        ttl,
        staleWhileRevalidate,
        staleIfError,
        ttlJitter,
        maxEntryBytes,
        statusTtls,
        ttlFrom,
        maxTtl,
        upstreamPrivate);
  }

  /**
   * The longest freshness lifetime an answer of {@code status} may have: for 2xx {@link #ttl()}, or
   * {@link #maxTtl()} when lifetimes come from the upstream; a cached 4xx's own TTL; empty if
   * never.
   */
  public Optional<Duration> longestTtlFor(int status) {
    if (status >= 200 && status <= 299 && ttlFrom == TtlFrom.UPSTREAM) {
      return Optional.of(maxTtl);
    }
    return ttlFor(status);
  }

  /** How long a shared store keeps a 2xx entry: past this nothing could ever serve it. */
  public Duration retention() {
    return retention(200);
  }

  /**
   * How long a shared store keeps an entry of {@code status}: its longest TTL ({@link
   * #longestTtlFor}) plus the larger stale window.
   */
  public Duration retention(int status) {
    return longestTtlFor(status)
        .orElse(ttl)
        .plus(
            staleWhileRevalidate.compareTo(staleIfError) >= 0
                ? staleWhileRevalidate
                : staleIfError);
  }
}
