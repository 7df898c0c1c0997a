package cachegate.engine;

import java.time.Duration;
import java.time.Instant;

/**
 * The assessment of a stored entry at an instant: a pure function of (entry, now, policy), with no
 * clock read and no I/O, modelled on OkHttp's {@code CacheStrategy}. The engine's own: other
 * packages ask {@link EntryCatalog.EntryInfo#freshnessLeft}, which answers from here.
 */
enum Freshness {
  /** Younger than its freshness lifetime: serve it as it is. */
  FRESH,
  /**
   * Past its lifetime but within stale-while-revalidate: serve it and refresh in the background.
   */
  STALE_REVALIDATE,
  /** Past stale-while-revalidate but within stale-if-error: fetch, and serve it if that fails. */
  STALE_IF_ERROR,
  /** Too old for anything: fetch as if nothing were stored. */
  EXPIRED;

  /**
   * XFetch's β (Vattani, Chierichetti, Lowenstein, VLDB 2015): 1 is the paper's optimum for
   * avoiding stampedes without refreshing much earlier than needed.
   */
  static final double EARLY_REFRESH_BETA = 1.0;

  /**
   * RFC 9111 §4.2: an entry is fresh while its age is below its freshness lifetime, the smaller of
   * the TTL stored with it and the policy's current TTL for its status (so that lowering the
   * configured TTL takes effect for entries already stored; a status the policy no longer caches
   * has none left). RFC 5861 §3 and §4 then give the stale windows, counted from the end of the
   * lifetime.
   */
  static Freshness assess(CachedResponse entry, Instant now, CachePolicy policy) {
    Duration stale = entry.age(now).minus(lifetime(entry, policy));
    if (stale.isNegative()) {
      return FRESH;
    }
    if (stale.compareTo(policy.staleWhileRevalidate()) < 0) {
      return STALE_REVALIDATE;
    }
    if (stale.compareTo(policy.staleIfError()) < 0) {
      return STALE_IF_ERROR;
    }
    return EXPIRED;
  }

  /**
   * RFC 9111 §4.2.1 freshness lifetime left at {@code now}: negative once the entry is stale, as
   * RFC 9211's {@code ttl} parameter reports it.
   */
  static Duration remaining(CachedResponse entry, Instant now, CachePolicy policy) {
    return lifetime(entry, policy).minus(entry.age(now));
  }

  /**
   * {@link #remaining} of an entry known by its status, when it was stored and the TTL it was
   * stored with.
   */
  static Duration remaining(
      int status, Instant storedAt, Duration ttl, Instant now, CachePolicy policy) {
    Duration age = Duration.between(storedAt, now);
    return lifetime(status, ttl, policy).minus(age.isNegative() ? Duration.ZERO : age);
  }

  /**
   * XFetch: whether a fresh entry should be refreshed now, ahead of its expiry. The chance grows as
   * expiry nears and with the time the last fetch took: {@code age - fetchTime * β * ln(u) >=
   * lifetime}.
   *
   * @param uniform a random number in (0, 1], supplied by the caller to keep this function pure
   */
  static boolean refreshEarly(
      CachedResponse entry, Instant now, CachePolicy policy, double uniform) {
    double ageMillis = entry.age(now).toMillis();
    double gap = -entry.fetchTime().toMillis() * EARLY_REFRESH_BETA * Math.log(uniform);
    return ageMillis + gap >= lifetime(entry, policy).toMillis();
  }

  private static Duration lifetime(CachedResponse entry, CachePolicy policy) {
    return lifetime(entry.status(), entry.ttl(), policy);
  }

  /**
   * RFC 9111 §4.2.1: the smaller of the TTL stored with an entry and the longest the policy allows
   * now for its status (so that shortening a route's TTL applies to entries already stored); zero
   * for a status the policy does not cache.
   */
  private static Duration lifetime(int status, Duration storedTtl, CachePolicy policy) {
    Duration configured = policy.longestTtlFor(status).orElse(Duration.ZERO);
    return storedTtl.compareTo(configured) <= 0 ? storedTtl : configured;
  }
}
