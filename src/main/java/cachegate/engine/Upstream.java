package cachegate.engine;

import java.util.concurrent.CompletableFuture;

/**
 * Port to the API behind the cache. Implementations build the upstream request only from the key's
 * normalised parameters, so two requests with one key always send the same upstream request.
 */
public interface Upstream {
  /**
   * Fetches the answer for {@code key}. The future fails with {@link UpstreamException} when there
   * is no usable answer; it never completes with a non-2xx or non-JSON response.
   */
  CompletableFuture<UpstreamResponse> fetch(CacheKey key);

  /**
   * As {@link #fetch(CacheKey)}, as part of {@code span} (the upstream call's own span): an
   * upstream that sends a request carries the span's trace context with it ({@link
   * Span#propagate}). An upstream that does not override this sends none.
   */
  default CompletableFuture<UpstreamResponse> fetch(CacheKey key, Span span) {
    return fetch(key);
  }

  /**
   * This upstream as background refreshes call it: a rate-limited upstream makes them only while
   * more than a reserve of its budget is left (see {@link RateBudget.Priority#BACKGROUND}).
   */
  default Upstream inBackground() {
    return this;
  }

  /** Which upstream this is, as log lines name it when it fails and when it recovers. */
  default String describe() {
    return "upstream";
  }
}
