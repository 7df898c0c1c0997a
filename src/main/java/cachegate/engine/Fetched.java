package cachegate.engine;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;

/**
 * An answer fetched for a key: by this instance from the upstream, or by a peer.
 *
 * @param entry the entry to serve; empty when the upstream's answer is passed on as it arrives and
 *     never stored
 * @param stored whether the answer is being written to the store (after it is served) and the store
 *     has not been failing
 * @param byPeer whether another instance fetched it
 * @param upstream the upstream's answer when this instance fetched it
 * @param afterwards what is still to do once the answer is served: writing it to the store, giving
 *     its memory back, letting go of the fetch lease
 */
record Fetched(
    Optional<CachedResponse> entry,
    boolean stored,
    boolean byPeer,
    Optional<UpstreamResponse> upstream,
    Supplier<CompletableFuture<?>> afterwards) {
  static final CompletableFuture<Void> DONE = CompletableFuture.completedFuture(null);

  static Fetched byPeer(CachedResponse entry) {
    return new Fetched(Optional.of(entry), false, true, Optional.empty(), () -> DONE);
  }

  /** An answer passed on as it arrives, to the request that fetched it only. */
  static Fetched passedOn(UpstreamResponse answer) {
    return new Fetched(Optional.empty(), false, false, Optional.of(answer), () -> DONE);
  }

  /** This answer, with {@code then} run once what comes after it is done. */
  Fetched andThen(Runnable then) {
    return new Fetched(
        entry, stored, byPeer, upstream, () -> afterwards.get().whenComplete((x, y) -> then.run()));
  }

  /** Starts what comes after the answer is served; completes when it is done. */
  CompletableFuture<?> finish() {
    return afterwards.get();
  }

  /**
   * What this is for a request that fetched it ({@code leader}) or joined the fetch, at {@code
   * now}. An answer passed on as it arrives can only be the leader's.
   */
  Answer answer(
      CacheKey key, boolean leader, CacheOutcome outcome, Instant now, CachePolicy policy) {
    if (entry.isEmpty()) {
      UpstreamResponse answer = upstream.orElseThrow();
      return new PassThrough(
          key,
          outcome,
          answer.status(),
          answer.contentType(),
          (UpstreamBody.Streamed) answer.body(),
          passThrough(answer, true, policy));
    }
    CachedResponse served = entry.get();
    return new CacheResult(
        served,
        outcome,
        key,
        served.age(now),
        Freshness.remaining(served, now, policy),
        leader && stored,
        !leader || byPeer,
        // RFC 9211 fwd-status: what the upstream answered, a 304 that renewed the entry among them.
        OptionalInt.of(upstream.map(UpstreamResponse::status).orElse(served.status())),
        upstream.map(answer -> passThrough(answer, leader, policy)).orElse(List.of()));
  }

  /**
   * Headers of an answer that may not be stored, to send on: its {@code Cache-Control}, so that
   * caches after cachegate do not store it either, and its cookies to the request that fetched it,
   * never to requests that joined the fetch. An answer the route stores gets cachegate's own
   * headers, like every answer served from the store.
   */
  private static List<Map.Entry<String, String>> passThrough(
      UpstreamResponse answer, boolean fetchedForThisRequest, CachePolicy policy) {
    if (answer.isStorable(policy.upstreamPrivate())) {
      return List.of();
    }
    List<Map.Entry<String, String>> headers = new ArrayList<>();
    if (!answer.cacheControl().isEmpty()) {
      headers.add(Map.entry("Cache-Control", answer.cacheControl()));
    }
    if (fetchedForThisRequest) {
      answer.setCookies().forEach(cookie -> headers.add(Map.entry("Set-Cookie", cookie)));
    }
    return headers;
  }
}
