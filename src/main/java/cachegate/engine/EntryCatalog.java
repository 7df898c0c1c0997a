package cachegate.engine;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * Port for operators: what a store holds, without reading whole entries, and removal by prefix.
 * Listing pages through the store (Redis {@code SCAN}, never {@code KEYS}), so it never blocks it.
 */
public interface EntryCatalog {
  /**
   * What an operator sees of one entry.
   *
   * @param key the entry's Redis key
   * @param bytes how many bytes the store holds for it
   * @param storedAt when its upstream answer was received
   * @param ttl the freshness lifetime it was stored with
   * @param status the upstream's status it holds
   * @param expiresIn how long the store keeps it, when the store can tell
   */
  record EntryInfo(
      String key,
      long bytes,
      Instant storedAt,
      Duration ttl,
      int status,
      Optional<Duration> expiresIn) {
    /**
     * RFC 9111 §4.2.1 freshness lifetime left at {@code now} under {@code policy}, as the engine
     * assesses it when serving (the smaller of the stored TTL and the policy's for its status
     * counts): negative once the entry is stale.
     */
    public Duration freshnessLeft(Instant now, CachePolicy policy) {
      return Freshness.remaining(status, storedAt, ttl, now, policy);
    }
  }

  /**
   * One page of a listing.
   *
   * @param entries the entries of this page (maybe none, even when more follow)
   * @param cursor pass it back for the next page; {@code "0"} when the listing is complete
   */
  record Page(List<EntryInfo> entries, String cursor) {
    public Page {
      entries = List.copyOf(entries);
    }

    public boolean isLast() {
      return "0".equals(cursor);
    }
  }

  /**
   * What a purge did.
   *
   * @param entries how many entries it removed (or, for a soft purge, marked stale)
   * @param othersNotTold why the other instances were not told to drop their local copies, when
   *     they were not: each then serves its copy until the copy stops being fresh
   */
  record Purge(long entries, Optional<String> othersNotTold) {
    /** A purge that every instance knows of (or that no other instance keeps a copy of). */
    public static Purge of(long entries) {
      return new Purge(entries, Optional.empty());
    }

    /** This purge, the other instances not told because of {@code why}. */
    public Purge withOthersNotTold(String why) {
      return new Purge(entries, Optional.of(why));
    }
  }

  /** The entries whose key starts with {@code prefix}, about {@code count} at a time. */
  CompletableFuture<Page> list(String prefix, String cursor, int count);

  /** One entry's metadata, if it is stored. */
  CompletableFuture<Optional<EntryInfo>> describe(String key);

  /** Removes every entry whose key starts with {@code prefix}, on every tier and instance. */
  CompletableFuture<Purge> removeAll(String prefix);

  /** Removes one entry, on every tier and every instance; one entry purged if it was there. */
  CompletableFuture<Purge> remove(String key);

  /**
   * Soft purge: ends the entry's freshness at {@code now}, keeping it, so the next request is
   * served it while one refresh replaces it (within stale-while-revalidate); one entry purged if it
   * was there.
   */
  CompletableFuture<Purge> markStale(String key, Instant now);
}
