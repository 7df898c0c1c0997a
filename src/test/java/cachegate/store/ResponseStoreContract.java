package cachegate.store;

import static org.assertj.core.api.Assertions.assertThat;

import cachegate.engine.CacheKey;
import cachegate.engine.CachedResponse;
import cachegate.engine.EntryCatalog;
import cachegate.engine.ResponseStore;
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
