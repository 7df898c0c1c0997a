package cachegate.engine;

/** What the cache did for one request; {@link #header()} is the {@code X-Cache} value. */
public enum CacheOutcome {
  /** A fresh entry, served without asking the upstream. */
  HIT("HIT"),
  /** Nothing was stored: fetched from the upstream. */
  MISS("MISS"),
  /** A stale entry within stale-while-revalidate, served while one background refresh runs. */
  STALE("STALE"),
  /** A stored entry was too old to serve: fetched anew from the upstream and served. */
  REVALIDATED("REVALIDATED"),
  /** The upstream failed: a stale entry within stale-if-error was served instead. */
  STALE_IF_ERROR("STALE-IF-ERROR");

  private final String header;

  CacheOutcome(String header) {
    this.header = header;
  }

  public String header() {
    return header;
  }

  /** Whether the answer was served from the cache (as opposed to from a fetch for this request). */
  public boolean isFromCache() {
    return this == HIT || this == STALE || this == STALE_IF_ERROR;
  }
}
