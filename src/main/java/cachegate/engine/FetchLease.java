package cachegate.engine;

import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * Port to a lease shared by every instance, so that one instance fetches a key while the others
 * wait for its answer to appear in the shared store. A lease is short and its holder renews it
 * while it fetches, so a lease left behind (a holder that died, or an acquisition that timed out on
 * the client but still reached the store) lapses within one lease time.
 *
 * <p>Each try for the lease also reads the key's entry, in the same step ({@link Attempt}): an
 * instance that finds the lease free therefore sees any answer its last holder stored before
 * letting go of it, without relying on the order in which two separate commands arrive.
 * Implementations are thread-safe; a store that cannot be reached fails the returned future.
 */
public interface FetchLease {
  /**
   * What one try for the lease found, in one atomic step.
   *
   * @param acquired whether this instance holds the lease now
   * @param stored the entry stored under the key at that moment; empty when there is none, or none
   *     that can be read (the read that came before the try has counted and logged why)
   */
  record Attempt(boolean acquired, Optional<CachedResponse> stored) {}

  /**
   * What a {@link #lookup} found: the entry stored under the key, or, when none was, how the try
   * for the lease made in the same step went.
   *
   * @param stored the entry stored under the key; when present, the lease was not tried
   * @param claim how the try for the lease went
   * @param tier the tier that held the entry ({@code local}, {@code redis}) when the store is made
   *     of several; empty when it did not say
   */
  record Lookup(Optional<CachedResponse> stored, Claim claim, String tier) {
    public Lookup {
      Objects.requireNonNull(stored, "stored");
      Objects.requireNonNull(claim, "claim");
      Objects.requireNonNull(tier, "tier");
    }

    public Lookup(Optional<CachedResponse> stored, Claim claim) {
      this(stored, claim, "");
    }

    /** This lookup, naming {@code tier} as the one that held its entry. */
    public Lookup from(String tier) {
      return new Lookup(stored, claim, tier);
    }

    /** An entry read, or nothing read, without a try for the lease. */
    public static Lookup read(Optional<CachedResponse> stored) {
      return new Lookup(stored, Claim.NOT_TRIED);
    }

    /** Nothing was stored, and the lease was tried in the same step. */
    public static Lookup nothingStored(Claim claim) {
      return new Lookup(Optional.empty(), claim);
    }
  }

  /** How the try for the lease made by a {@link #lookup} went. */
  enum Claim {
    /**
     * Not tried: an entry was found, the store cannot try in the same step, the lookup failed, or
     * another fetch in this instance holds the lease. The engine tries it itself if it fetches.
     */
    NOT_TRIED,
    /** Nothing was stored and this instance took the lease: it fetches. */
    TAKEN,
    /** Nothing was stored and another instance holds the lease: it is fetching. */
    HELD_BY_PEER
  }

  /**
   * No other instance: every try succeeds at once, with what {@code store} (in this process) holds
   * under the key; a store that fails to answer holds nothing.
   */
  static FetchLease local(ResponseStore store) {
    return new FetchLease() {
      @Override
      public CompletableFuture<Attempt> tryAcquire(CacheKey key, Duration time) {
        return store
            .get(key)
            .handle(
                (found, failure) ->
                    new Attempt(true, failure == null ? found : Optional.<CachedResponse>empty()));
      }

      /** The store read; when it holds nothing, the lease (which no one else wants) is taken. */
      @Override
      public CompletableFuture<Lookup> lookup(CacheKey key, Duration time) {
        return store
            .get(key)
            .thenApply(
                found ->
                    found.isPresent() ? Lookup.read(found) : Lookup.nothingStored(Claim.TAKEN));
      }

      @Override
      public boolean reads(ResponseStore read) {
        return read == store;
      }

      @Override
      public CompletableFuture<Void> release(CacheKey key) {
        return CompletableFuture.completedFuture(null);
      }
    };
  }

  /**
   * Reads the key's entry and, only when none is stored, tries for the lease, in one step: a key
   * that is not stored costs one call to the shared store before its fetch, and a stored one leaves
   * the lease alone. A lease this instance already holds is left as it is ({@link
   * Claim#NOT_TRIED}): another fetch in this instance holds it. A store that cannot be reached, or
   * a value it holds that is not an entry, fails the returned future; the engine then reads nothing
   * and tries the lease itself.
   *
   * <p>This default is not one step: it tries for the lease (which reads the entry), and lets go of
   * a lease it took when an entry was there after all.
   */
  default CompletableFuture<Lookup> lookup(CacheKey key, Duration time) {
    return tryAcquire(key, time)
        .thenApply(
            attempt -> {
              if (attempt.stored().isPresent()) {
                if (attempt.acquired()) {
                  release(key);
                }
                return Lookup.read(attempt.stored());
              }
              return Lookup.nothingStored(attempt.acquired() ? Claim.TAKEN : Claim.HELD_BY_PEER);
            });
  }

  /**
   * Whether each try reads its entries from {@code store} (the lease lives beside them), so that a
   * {@link #lookup} can stand for a read of {@code store}.
   */
  default boolean reads(ResponseStore store) {
    return false;
  }

  /**
   * Takes the lease on {@code key} for {@code time} unless another instance holds it, and reads the
   * key's entry in the same step. A lease this instance already holds counts as taken (and is
   * extended): with one fetch per key per instance, such a lease can only be one left behind.
   */
  CompletableFuture<Attempt> tryAcquire(CacheKey key, Duration time);

  /**
   * Extends this instance's lease on {@code key} to {@code time} from now, if it still holds it.
   */
  default CompletableFuture<Boolean> renew(CacheKey key, Duration time) {
    return CompletableFuture.completedFuture(true);
  }

  /** Gives up this instance's lease on {@code key}, if it still holds it. */
  CompletableFuture<Void> release(CacheKey key);
}
