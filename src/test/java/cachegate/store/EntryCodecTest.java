package cachegate.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import cachegate.config.Routes;
import cachegate.engine.CacheKey;
import cachegate.engine.CachedResponse;
import cachegate.engine.StoreException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.IntStream;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

class EntryCodecTest {
  private static final CacheKey GERMANY = key("germany");
  private static final CacheKey FRANCE = key("france");
  private static final Instant STORED_AT = Instant.parse("2025-01-01T12:00:00.123Z");
  private static final CachedResponse SMALL =
      new CachedResponse(
          200,
          "application/json",
          "[{\"name\":\"TU Berlin\"}]".getBytes(StandardCharsets.UTF_8),
          STORED_AT,
          Duration.ofSeconds(30));
  private static final byte[] SMALL_ENVELOPE = EntryCodec.encode(GERMANY, SMALL);

  @Test
  void aDecodedEntryEqualsTheEncodedOne() {
    byte[] envelope = EntryCodec.encode(GERMANY, SMALL);

    CachedResponse decoded = EntryCodec.decode(GERMANY, envelope);

    assertThat(decoded).isEqualTo(SMALL);
  }

  @Test
  void anEmptyBodyRoundTrips() {
    CachedResponse entry = withBody(new byte[0]);

    CachedResponse decoded = EntryCodec.decode(GERMANY, EntryCodec.encode(GERMANY, entry));

    assertThat(decoded).isEqualTo(entry);
    assertThat(decoded.body()).isEmpty();
  }

  @Test
  void aNonAsciiContentTypeRoundTrips() {
    CachedResponse entry =
        new CachedResponse(
            203,
            "application/json; charset=utf-8; note=\"ünïcødé 日本 😀\"",
            new byte[] {1},
            STORED_AT,
            Duration.ofMillis(1));

    CachedResponse decoded = EntryCodec.decode(GERMANY, EntryCodec.encode(GERMANY, entry));

    assertThat(decoded).isEqualTo(entry);
  }

  @Test
  void aOneMegabyteBodyRoundTrips() {
    byte[] body = new byte[1024 * 1024];
    new Random(42).nextBytes(body);
    CachedResponse entry = withBody(body);

    CachedResponse decoded = EntryCodec.decode(GERMANY, EntryCodec.encode(GERMANY, entry));

    assertThat(decoded).isEqualTo(entry);
  }

  @Test
  void aLongHashedKeyRoundTrips() {
    CacheKey longKey = key("x".repeat(200));

    CachedResponse decoded = EntryCodec.decode(longKey, EntryCodec.encode(longKey, SMALL));

    assertThat(decoded).isEqualTo(SMALL);
  }

  @Test
  void anEntryIsNeverDecodedUnderAnotherKey() {
    byte[] envelope = EntryCodec.encode(GERMANY, SMALL);

    Throwable error = catchThrowable(() -> EntryCodec.decode(FRANCE, envelope));

    assertThat(error).isInstanceOf(StoreException.class).hasMessageContaining("country=germany");
  }

  @Test
  void anEntryIsNeverDecodedUnderTheSameKeyInAnotherNamespace() {
    CacheKey otherNamespace = Routes.universities().key("other", query("germany"));
    byte[] envelope = EntryCodec.encode(GERMANY, SMALL);

    Throwable error = catchThrowable(() -> EntryCodec.decode(otherNamespace, envelope));

    assertThat(error).isInstanceOf(StoreException.class);
  }

  @Test
  void wrongMagicIsRefused() {
    byte[] envelope = SMALL_ENVELOPE.clone();
    envelope[0] = 'X';

    Throwable error = catchThrowable(() -> EntryCodec.decode(GERMANY, envelope));

    assertThat(error).isInstanceOf(StoreException.class);
  }

  @Test
  void anotherFormatVersionIsRefused() {
    byte[] envelope = SMALL_ENVELOPE.clone();
    envelope[2] = EntryCodec.FORMAT_VERSION + 1;

    Throwable error = catchThrowable(() -> EntryCodec.decode(GERMANY, envelope));

    assertThat(error).isInstanceOf(StoreException.class).hasMessageContaining("format");
  }

  @Test
  void javaSerializedBytesAreRefused() {
    byte[] serialized = {(byte) 0xAC, (byte) 0xED, 0x00, 0x05, 0x73, 0x72};

    Throwable error = catchThrowable(() -> EntryCodec.decode(GERMANY, serialized));

    assertThat(error).isInstanceOf(StoreException.class);
  }

  static IntStream prefixLengths() {
    return IntStream.range(0, SMALL_ENVELOPE.length);
  }

  @ParameterizedTest(name = "first {0} bytes")
  @MethodSource("prefixLengths")
  void everyTruncationIsRefusedAsAStoreException(int length) {
    byte[] truncated = Arrays.copyOf(SMALL_ENVELOPE, length);

    Throwable error = catchThrowable(() -> EntryCodec.decode(GERMANY, truncated));

    assertThat(error).isExactlyInstanceOf(StoreException.class);
  }

  @Test
  void trailingGarbageIsRefused() {
    byte[] envelope = Arrays.copyOf(SMALL_ENVELOPE, SMALL_ENVELOPE.length + 1);

    Throwable error = catchThrowable(() -> EntryCodec.decode(GERMANY, envelope));

    assertThat(error).isInstanceOf(StoreException.class).hasMessageContaining("trailing");
  }

  @Property
  void anyCorruptedByteEitherDecodesOrIsAStoreException(
      @ForAll @IntRange(min = 0, max = 10_000) int position, @ForAll byte replacement) {
    byte[] corrupted = SMALL_ENVELOPE.clone();
    corrupted[position % corrupted.length] = replacement;

    Throwable error = catchThrowable(() -> EntryCodec.decode(GERMANY, corrupted));

    if (error != null) {
      assertThat(error).isExactlyInstanceOf(StoreException.class);
    }
  }

  @Property
  void arbitraryBytesAreRefusedAsAStoreException(@ForAll byte[] bytes) {
    Throwable error = catchThrowable(() -> EntryCodec.decode(GERMANY, bytes));

    assertThat(error).isExactlyInstanceOf(StoreException.class);
  }

  private static CachedResponse withBody(byte[] body) {
    return new CachedResponse(200, "application/json", body, STORED_AT, Duration.ofSeconds(30));
  }

  private static CacheKey key(String country) {
    return Routes.universities().key("cachegate", query(country));
  }

  private static Map<String, List<String>> query(String country) {
    return Map.of("country", List.of(country));
  }
}
