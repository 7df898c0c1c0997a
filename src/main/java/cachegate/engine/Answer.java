package cachegate.engine;

/**
 * What the engine answers a request with: a stored or fetched entry ({@link CacheResult}), or an
 * upstream answer passed on to the client as it arrives ({@link PassThrough}).
 */
public sealed interface Answer permits CacheResult, PassThrough {
  /** The cache key the request asked for. */
  CacheKey key();

  /** What the cache did. */
  CacheOutcome outcome();
}
