package cachegate.engine;

import java.util.Optional;
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
}
