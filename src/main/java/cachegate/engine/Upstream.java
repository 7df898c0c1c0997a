package cachegate.engine;

import java.util.concurrent.CompletableFuture;

/**
 * Port to the API behind the cache. Implementations build the upstream request only from the key's
 * normalised parameters, so two requests with one key always send the same upstream request.
 */
public interface Upstream {
  /**
   * Fetches the answer for {@code key}, conditionally when {@code validators} are present (RFC 9110
   * §13.1.1, §13.1.3: {@code If-None-Match}, {@code If-Modified-Since}). The future completes with
   * a 2xx JSON answer, a 4xx JSON answer the route passes on to its client, or, to a conditional
   * request only, a {@code 304} without a body. It fails with {@link UpstreamException} when there
   * is no usable answer: any other status (a 304 to an unconditional request among them), 401 and
   * 403 from an upstream cachegate sends credentials to, or a body that is not JSON.
   */
  CompletableFuture<UpstreamResponse> fetch(CacheKey key, Validators validators);

  /** Fetches the answer for {@code key} unconditionally. */
  default CompletableFuture<UpstreamResponse> fetch(CacheKey key) {
    return fetch(key, Validators.NONE);
  }

  /**
   * As {@link #fetch(CacheKey, Validators)}, as part of {@code span} (the upstream call's own
   * span): an upstream that sends a request carries the span's trace context with it ({@link
   * Span#propagate}). An upstream that does not override this sends none.
   */
  default CompletableFuture<UpstreamResponse> fetch(
      CacheKey key, Validators validators, Span span) {
    return fetch(key, validators);
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
