package cachegate.engine;

/** What the cache did for one request; its name is the {@code X-Cache} header value. */
public enum CacheOutcome {
  /** Served from the cache without asking the upstream. */
  HIT,
  /** Nothing usable was stored: fetched from the upstream and stored. */
  MISS
}
