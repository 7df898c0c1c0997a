package cachegate.store;

import static org.assertj.core.api.Assertions.assertThat;

import cachegate.engine.CacheKey;
import cachegate.engine.CachedResponse;
import cachegate.engine.EntryCatalog;
import cachegate.engine.FetchLease;
import cachegate.engine.ResponseBody;
import cachegate.engine.ResponseStore;
import cachegate.engine.TraceLink;
import cachegate.engine.Validators;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/**
 * What every store that keeps entries promises; each store's test extends this. Every such store is
 * also the {@link EntryCatalog} through which entries are removed.
 */
abstract class ResponseStoreContract<S extends ResponseStore & EntryCatalog> {
  static final Duration RETENTION = Duration.ofMinutes(5);

  /** The store under test, empty. */
  abstract S store();

  /** The fetch lease that lives beside {@code store}'s entries, as the gateway pairs them. */
  abstract FetchLease leaseBeside(S store);

  /** Another instance's lease beside the same entries, where instances share them. */
  Optional<FetchLease> otherInstancesLease(S store) {
    return Optional.empty();
  }

  private static final Duration LEASE_TIME = Duration.ofSeconds(2);

  @Test
  void lookupOfAStoredEntryReturnsItAndLeavesTheLeaseUntried() {
    S store = store();
    FetchLease lease = leaseBeside(store);
    store.put(key("germany"), entry("[\"berlin\"]"), RETENTION).join();

    FetchLease.Lookup found = store.lookup(key("germany"), lease, LEASE_TIME).join();

    assertThat(found.stored()).contains(entry("[\"berlin\"]"));
    assertThat(found.claim()).isEqualTo(FetchLease.Claim.NOT_TRIED);
    otherInstancesLease(store)
        .ifPresent(
            other ->
                assertThat(other.tryAcquire(key("germany"), LEASE_TIME).join().acquired())
                    .isTrue());
  }

  @Test
  void lookupOfAKeyNotStoredTakesItsLeaseInTheSameStep() {
    S store = store();
    FetchLease lease = leaseBeside(store);
    store.put(key("germany"), entry("[\"berlin\"]"), RETENTION).join();

    FetchLease.Lookup missing = store.lookup(key("france"), lease, LEASE_TIME).join();

    assertThat(missing.stored()).isEmpty();
    assertThat(missing.claim()).isEqualTo(FetchLease.Claim.TAKEN);
    otherInstancesLease(store)
        .ifPresent(
            other ->
                assertThat(other.tryAcquire(key("france"), LEASE_TIME).join().acquired())
                    .isFalse());
  }

  @Test
  void lookupWhileAnotherInstanceHoldsTheLeaseSaysSoThenFindsItsAnswer() {
    S store = store();
    Optional<FetchLease> other = otherInstancesLease(store);
    org.junit.jupiter.api.Assumptions.assumeTrue(other.isPresent(), "instances share entries");
    FetchLease lease = leaseBeside(store);
    assertThat(other.get().tryAcquire(key("germany"), LEASE_TIME).join().acquired()).isTrue();

    FetchLease.Lookup waiting = store.lookup(key("germany"), lease, LEASE_TIME).join();
    store.put(key("germany"), entry("[\"berlin\"]"), RETENTION).join();
    FetchLease.Lookup found = store.lookup(key("germany"), lease, LEASE_TIME).join();

    assertThat(waiting.stored()).isEmpty();
    assertThat(waiting.claim()).isEqualTo(FetchLease.Claim.HELD_BY_PEER);
    assertThat(found.stored()).contains(entry("[\"berlin\"]"));
  }

  static CacheKey key(String country) {
    return new CacheKey("contract", "universities", new TreeMap<>(Map.of("country", country)));
  }

  static CachedResponse entry(String body) {
    return new CachedResponse(
        200,
        "application/json",
        body.getBytes(StandardCharsets.UTF_8),
        Instant.parse("2026-01-01T00:00:00Z"),
        Duration.ofSeconds(30));
  }

  @Test
  void absentKeyIsEmpty() {
    assertThat(store().get(key("nowhere")).join()).isEmpty();
  }

  @Test
  void storedEntryIsReturnedEqual() {
    ResponseStore store = store();

    boolean stored = store.put(key("germany"), entry("[\"berlin\"]"), RETENTION).join();

    assertThat(stored).isTrue();
    assertThat(store.get(key("germany")).join()).contains(entry("[\"berlin\"]"));
  }

  @Test
  void aCached404KeepsItsStatusTtlAndTheUpstreamsValidators() {
    ResponseStore store = store();
    CachedResponse notFound =
        new CachedResponse(
            404,
            "application/json",
            ResponseBody.of("{\"message\":\"Not Found\"}".getBytes(StandardCharsets.UTF_8)),
            Instant.parse("2026-01-01T00:00:00Z"),
            Duration.ofSeconds(60),
            Duration.ofMillis(12),
            new Validators("\"abc\"", "Wed, 21 Oct 2015 07:28:00 GMT"),
            TraceLink.NONE);

    store.put(key("nowhere"), notFound, RETENTION).join();

    Optional<CachedResponse> read = store.get(key("nowhere")).join();
    assertThat(read).contains(notFound);
    assertThat(read.orElseThrow().validators()).isEqualTo(notFound.validators());
    assertThat(read.orElseThrow().status()).isEqualTo(404);
  }

  @Test
  void putReplacesTheEarlierEntry() {
    ResponseStore store = store();
    store.put(key("germany"), entry("[1]"), RETENTION).join();

    store.put(key("germany"), entry("[2]"), RETENTION).join();

    assertThat(store.get(key("germany")).join()).contains(entry("[2]"));
  }

  @Test
  void removedEntryIsGone() {
    S store = store();
    store.put(key("germany"), entry("[1]"), RETENTION).join();

    long removed = store.remove(key("germany").redisKey()).join().entries();

    assertThat(removed).isEqualTo(1);

    assertThat(store.get(key("germany")).join()).isEmpty();
  }

  @Test
  void removingAnAbsentKeySucceeds() {
    assertThat(store().remove(key("nowhere").redisKey()))
        .succeedsWithin(Duration.ofSeconds(5))
        .extracting(EntryCatalog.Purge::entries)
        .isEqualTo(0L);
  }

  @Test
  void entryIsNeverReturnedForAnotherKey() {
    ResponseStore store = store();
    store.put(key("germany"), entry("[\"de\"]"), RETENTION).join();
    store.put(key("france"), entry("[\"fr\"]"), RETENTION).join();

    Optional<CachedResponse> austria = store.get(key("austria")).join();
    Optional<CachedResponse> france = store.get(key("france")).join();

    assertThat(austria).isEmpty();
    assertThat(france).contains(entry("[\"fr\"]"));
  }

  @Test
  void concurrentWritesAndReadsOfManyKeysStayConsistent() {
    ResponseStore store = store();

    List<CompletableFuture<Boolean>> writes =
        IntStream.range(0, 200)
            .mapToObj(i -> store.put(key("c" + i), entry("[" + i + "]"), RETENTION))
            .toList();
    CompletableFuture.allOf(writes.toArray(CompletableFuture[]::new)).join();

    IntStream.range(0, 200)
        .parallel()
        .forEach(i -> assertThat(store.get(key("c" + i)).join()).contains(entry("[" + i + "]")));
  }
}
