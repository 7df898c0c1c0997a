package cachegate.store;

import static org.assertj.core.api.Assertions.assertThat;

import cachegate.engine.CacheKey;
import cachegate.engine.CachedResponse;
import cachegate.engine.ManualClock;
import cachegate.engine.ResponseBody;
import cachegate.support.BuiltInRoute;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class MemoryStoreTest {
  private static final long MAX_BYTES = 10_000;

  /** An incompressible body of this size fits the bound in its gzip form alone, not twice. */
  private static final int MAX_BYTES_HALF = (int) MAX_BYTES / 2 + 100;

  private static final Duration RETENTION = Duration.ofSeconds(30);

  private final ManualClock clock = new ManualClock();
  private final MemoryStore store = new MemoryStore(MAX_BYTES, clock);

  @Test
  void aStoredEntryIsReturnedForItsKey() {
    CachedResponse entry = entry("[1]");

    boolean stored = store.put(key("germany"), entry, RETENTION).join();

    assertThat(stored).isTrue();
    assertThat(store.get(key("germany")).join()).contains(entry);
  }

  @Test
  void anEntryReadFromRedisInItsGzipFormIsKeptInItsGzipFormOnly() {
    ResponseBody gzipOnly =
        ResponseBody.fromCheckedGzip(
            ResponseBody.of("[\"de\"]".getBytes(StandardCharsets.UTF_8)).gzip(), "\"tag\"");
    CachedResponse fromRedis =
        new CachedResponse(
            200, "application/json", gzipOnly, clock.instant(), RETENTION, Duration.ZERO);

    store.put(key("germany"), fromRedis, RETENTION).join();

    assertThat(store.get(key("germany")).join())
        .hasValueSatisfying(kept -> assertThat(kept.body().holdsIdentity()).isFalse());
  }

  @Test
  void anUpstreamAnswerIsKeptInItsGzipFormOnlyAndStillServesBothEncodings() {
    byte[] json = "[{\"name\":\"TU Berlin\"}]".getBytes(StandardCharsets.UTF_8);
    CachedResponse fetched = entry(json);

    store.put(key("germany"), fetched, RETENTION).join();

    CachedResponse kept = store.get(key("germany")).join().orElseThrow();
    assertThat(kept.body().holdsIdentity()).isFalse();
    assertThat(kept).isEqualTo(fetched);
    assertThat(kept.body().etag()).isEqualTo(fetched.body().etag());
    assertThat(kept.body().gzip()).isEqualTo(fetched.body().gzip());
    byte[] identity = new byte[kept.body().identityLength()];
    kept.body().decompressInto(java.nio.ByteBuffer.wrap(identity));
    assertThat(identity).isEqualTo(json);
  }

  @Test
  void onlyTheGzipFormCountsAgainstTheBound() {
    byte[] compressible = new byte[(int) MAX_BYTES * 4];
    CacheKey key = key("zeros");
    CachedResponse entry = entry(compressible);

    store.put(key, entry, RETENTION).join();

    assertThat(store.get(key).join()).isPresent();
    assertThat(store.bytes())
        .isEqualTo(
            entry.body().gzip().length
                + key.redisKey().length()
                + (long) MemoryStore.ENTRY_OVERHEAD_BYTES);
  }

  @Test
  void anEntryIsNotReturnedForAnotherKey() {
    store.put(key("germany"), entry("[1]"), RETENTION).join();

    Optional<CachedResponse> found = store.get(key("france")).join();

    assertThat(found).isEmpty();
  }

  @Test
  void aKeyNeverStoredIsAMiss() {
    CacheKey key = key("germany");

    Optional<CachedResponse> found = store.get(key).join();

    assertThat(found).isEmpty();
  }

  @Test
  void aSecondPutReplacesTheFirst() {
    store.put(key("germany"), entry("[1]"), RETENTION).join();
    CachedResponse replacement = entry("[2]");

    store.put(key("germany"), replacement, RETENTION).join();

    assertThat(store.get(key("germany")).join()).contains(replacement);
  }

  @Test
  void aRemovedEntryIsGone() {
    store.put(key("germany"), entry("[1]"), RETENTION).join();
    store.put(key("france"), entry("[2]"), RETENTION).join();

    store.remove(key("germany").redisKey()).join();

    assertThat(store.get(key("germany")).join()).isEmpty();
    assertThat(store.get(key("france")).join()).isPresent();
  }

  @Test
  void removingAnAbsentKeyIsHarmless() {
    CacheKey key = key("nowhere");

    store.remove(key.redisKey()).join();

    assertThat(store.get(key).join()).isEmpty();
  }

  @Test
  void anEntryOutlivesEverythingShortOfItsRetention() {
    store.put(key("germany"), entry("[1]"), RETENTION).join();

    clock.advance(RETENTION.minusMillis(1));

    assertThat(store.get(key("germany")).join()).isPresent();
  }

  @Test
  void anEntryExpiresOnceTheClockPassesItsRetention() {
    store.put(key("germany"), entry("[1]"), RETENTION).join();

    clock.advance(RETENTION.plusMillis(1));

    assertThat(store.get(key("germany")).join()).isEmpty();
  }

  @Test
  void readingAnEntryDoesNotExtendItsRetention() {
    store.put(key("germany"), entry("[1]"), RETENTION).join();
    clock.advance(RETENTION.minusSeconds(1));
    assertThat(store.get(key("germany")).join()).isPresent();

    clock.advance(Duration.ofSeconds(2));

    assertThat(store.get(key("germany")).join()).isEmpty();
  }

  @Test
  void eachEntryExpiresAfterItsOwnRetention() {
    store.put(key("short"), entry("[1]"), Duration.ofSeconds(5)).join();
    store.put(key("long"), entry("[2]"), Duration.ofSeconds(60)).join();

    clock.advance(Duration.ofSeconds(10));

    assertThat(store.get(key("short")).join()).isEmpty();
    assertThat(store.get(key("long")).join()).isPresent();
  }

  @Test
  void replacingAnEntryRestartsItsRetention() {
    store.put(key("germany"), entry("[1]"), RETENTION).join();
    clock.advance(Duration.ofSeconds(20));

    store.put(key("germany"), entry("[2]"), RETENTION).join();
    clock.advance(Duration.ofSeconds(20));

    assertThat(store.get(key("germany")).join()).isPresent();
  }

  @Test
  void manyKilobyteBodiesStayWithinTheByteBound() {
    int bodyBytes = 1024;
    List<CacheKey> keys = IntStream.range(0, 50).mapToObj(i -> key("country" + i)).toList();

    keys.forEach(key -> store.put(key, entry(new byte[bodyBytes]), RETENTION).join());

    List<CacheKey> held = keys.stream().filter(key -> store.get(key).join().isPresent()).toList();
    long gzipBytes = entry(new byte[bodyBytes]).body().gzip().length;
    long heldBytes =
        held.stream()
            .mapToLong(
                key ->
                    gzipBytes + key.redisKey().length() + (long) MemoryStore.ENTRY_OVERHEAD_BYTES)
            .sum();
    assertThat(held).isNotEmpty();
    assertThat(heldBytes).isLessThanOrEqualTo(MAX_BYTES);
  }

  @Test
  void anEntryLargerThanTheBoundIsNotKept() {
    CacheKey key = key("huge");
    byte[] incompressible = new byte[(int) MAX_BYTES + 1];
    new Random(3).nextBytes(incompressible);

    store.put(key, entry(incompressible), RETENTION).join();

    assertThat(store.get(key).join()).isEmpty();
  }

  @Test
  void twoIncompressibleBodiesOverTheBoundAreNotBothKept() {
    byte[] first = new byte[MAX_BYTES_HALF];
    byte[] second = new byte[MAX_BYTES_HALF];
    new Random(1).nextBytes(first);
    new Random(2).nextBytes(second);

    store.put(key("first"), entry(first), RETENTION).join();
    store.put(key("second"), entry(second), RETENTION).join();

    assertThat(
            List.of(key("first"), key("second")).stream()
                .filter(key -> store.get(key).join().isPresent()))
        .hasSizeLessThan(2);
    assertThat(store.bytes()).isLessThanOrEqualTo(MAX_BYTES);
  }

  @Test
  void keysWithTheSameRedisKeyShareOneEntry() {
    CacheKey fromRoute = key("germany");
    CacheKey built = new CacheKey("cachegate", "universities", Map.of("country", "germany"));
    CachedResponse entry = entry("[1]");

    store.put(fromRoute, entry, RETENTION).join();

    assertThat(store.get(built).join()).contains(entry);
  }

  @Test
  void anEntryEvictedByItsRedisKeyIsGone() {
    store.put(key("germany"), entry("[1]"), RETENTION).join();
    store.put(key("france"), entry("[2]"), RETENTION).join();

    store.evict("cachegate:v2:{universities:country=germany}");

    assertThat(store.get(key("germany")).join()).isEmpty();
    assertThat(store.get(key("france")).join()).isPresent();
  }

  @Test
  void evictingAnUnknownRedisKeyIsHarmless() {
    store.put(key("germany"), entry("[1]"), RETENTION).join();

    store.evict("cachegate:v2:{universities:country=nowhere}");

    assertThat(store.get(key("germany")).join()).isPresent();
  }

  private CachedResponse entry(String body) {
    return entry(body.getBytes(StandardCharsets.UTF_8));
  }

  private CachedResponse entry(byte[] body) {
    return new CachedResponse(200, "application/json", body, clock.instant(), RETENTION);
  }

  private static CacheKey key(String country) {
    return BuiltInRoute.universities().key("cachegate", Map.of("country", List.of(country)));
  }
}
