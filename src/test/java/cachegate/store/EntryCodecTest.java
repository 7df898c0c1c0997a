package cachegate.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import cachegate.engine.CacheKey;
import cachegate.engine.CachedResponse;
import cachegate.engine.ResponseBody;
import cachegate.engine.StoreException;
import cachegate.engine.TraceLink;
import cachegate.engine.Validators;
import cachegate.support.BuiltInRoute;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import java.util.zip.CRC32C;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class EntryCodecTest {
  private static final CacheKey GERMANY = key("germany");
  private static final CacheKey FRANCE = key("france");
  private static final Instant STORED_AT = Instant.parse("2025-01-01T12:00:00.123Z");
  private static final CachedResponse SMALL =
      new CachedResponse(
          200,
          "application/json",
          ResponseBody.of("[{\"name\":\"TU Berlin\"}]".getBytes(StandardCharsets.UTF_8)),
          STORED_AT,
          Duration.ofSeconds(30),
          Duration.ofMillis(1234));
  private static final Validators VALIDATORS =
      new Validators("W/\"5e1f-abc\"", "Wed, 21 Oct 2015 07:28:00 GMT");
  private static final TraceLink FETCHED_BY =
      new TraceLink("4bf92f3577b34da6a3ce929d0e0e4736", "00f067aa0ba902b7");
  private static final CachedResponse TRACED =
      new CachedResponse(
          SMALL.status(),
          SMALL.contentType(),
          SMALL.body(),
          STORED_AT,
          SMALL.ttl(),
          SMALL.fetchTime(),
          Validators.NONE,
          FETCHED_BY);
  private static final byte[] SMALL_ENVELOPE = EntryCodec.encode(GERMANY.redisKey(), SMALL);
  private static final int GZIP_START = SMALL_ENVELOPE.length - SMALL.body().gzip().length;

  @Test
  void aDecodedEntryEqualsTheEncodedOne() {
    byte[] envelope = EntryCodec.encode(GERMANY.redisKey(), SMALL);

    CachedResponse decoded = EntryCodec.decode(GERMANY.redisKey(), envelope);

    assertThat(decoded).isEqualTo(SMALL);
  }

  @Test
  void decodingKeepsEveryFieldIncludingFetchTimeEntityTagAndBothEncodings() {
    byte[] envelope = EntryCodec.encode(GERMANY.redisKey(), SMALL);

    CachedResponse decoded = EntryCodec.decode(GERMANY.redisKey(), envelope);

    assertThat(decoded.status()).isEqualTo(200);
    assertThat(decoded.contentType()).isEqualTo("application/json");
    assertThat(decoded.storedAt()).isEqualTo(STORED_AT);
    assertThat(decoded.ttl()).isEqualTo(Duration.ofSeconds(30));
    assertThat(decoded.fetchTime()).isEqualTo(Duration.ofMillis(1234));
    assertThat(decoded.body().etag()).isEqualTo(SMALL.body().etag());
    assertThat(decoded.body().identity()).isEqualTo(SMALL.body().identity());
    assertThat(decoded.body().gzip()).isEqualTo(SMALL.body().gzip());
  }

  @Test
  void theBodyIsStoredGzipped() {
    byte[] json =
        ("[" + "{\"name\":\"TU Berlin\",\"country\":\"Germany\"},".repeat(500) + "{}]")
            .getBytes(StandardCharsets.UTF_8);

    byte[] envelope = EntryCodec.encode(GERMANY.redisKey(), withBody(json));

    assertThat(envelope.length).isLessThan(json.length / 10);
  }

  @Test
  void fetchTimesAreKeptToTheMillisecond() {
    CachedResponse entry =
        new CachedResponse(
            200,
            "application/json",
            ResponseBody.of(new byte[] {1}),
            STORED_AT,
            Duration.ofSeconds(30),
            Duration.ofNanos(1_999_999));

    CachedResponse decoded =
        EntryCodec.decode(GERMANY.redisKey(), EntryCodec.encode(GERMANY.redisKey(), entry));

    assertThat(decoded.fetchTime()).isEqualTo(Duration.ofMillis(1));
  }

  @Test
  void anEmptyBodyRoundTrips() {
    CachedResponse entry = withBody(new byte[0]);

    CachedResponse decoded =
        EntryCodec.decode(GERMANY.redisKey(), EntryCodec.encode(GERMANY.redisKey(), entry));

    assertThat(decoded).isEqualTo(entry);
    assertThat(decoded.body().identity()).isEmpty();
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

    CachedResponse decoded =
        EntryCodec.decode(GERMANY.redisKey(), EntryCodec.encode(GERMANY.redisKey(), entry));

    assertThat(decoded).isEqualTo(entry);
  }

  @Test
  void aOneMegabyteBodyRoundTrips() {
    byte[] body = new byte[1024 * 1024];
    new Random(42).nextBytes(body);
    CachedResponse entry = withBody(body);

    CachedResponse decoded =
        EntryCodec.decode(GERMANY.redisKey(), EntryCodec.encode(GERMANY.redisKey(), entry));

    assertThat(decoded).isEqualTo(entry);
  }

  @Test
  void aLongHashedKeyRoundTrips() {
    CacheKey longKey = key("x".repeat(200));

    CachedResponse decoded =
        EntryCodec.decode(longKey.redisKey(), EntryCodec.encode(longKey.redisKey(), SMALL));

    assertThat(decoded).isEqualTo(SMALL);
  }

  @Test
  void anEntryIsNeverDecodedUnderAnotherKey() {
    byte[] envelope = EntryCodec.encode(GERMANY.redisKey(), SMALL);

    Throwable error = catchThrowable(() -> EntryCodec.decode(FRANCE.redisKey(), envelope));

    assertThat(error).isInstanceOf(StoreException.class).hasMessageContaining("country=germany");
  }

  @Test
  void anEntryIsNeverDecodedUnderTheSameKeyInAnotherNamespace() {
    CacheKey otherNamespace = BuiltInRoute.universities().key("other", query("germany"));
    byte[] envelope = EntryCodec.encode(GERMANY.redisKey(), SMALL);

    Throwable error = catchThrowable(() -> EntryCodec.decode(otherNamespace.redisKey(), envelope));

    assertThat(error).isInstanceOf(StoreException.class);
  }

  @Test
  void wrongMagicIsRefused() {
    byte[] envelope = SMALL_ENVELOPE.clone();
    envelope[0] = 'X';

    Throwable error = catchThrowable(() -> EntryCodec.decode(GERMANY.redisKey(), envelope));

    assertThat(error).isInstanceOf(StoreException.class);
  }

  @Test
  void anotherFormatVersionIsRefused() {
    byte[] envelope = SMALL_ENVELOPE.clone();
    envelope[2] = EntryCodec.FORMAT_VERSION + 1;

    Throwable error = catchThrowable(() -> EntryCodec.decode(GERMANY.redisKey(), envelope));

    assertThat(error).isInstanceOf(StoreException.class).hasMessageContaining("format");
  }

  @Test
  void anEnvelopeOfFormatOneWithoutAChecksumIsStillRead() {
    byte[] formatOne = formatOne(GERMANY.redisKey(), SMALL);

    CachedResponse decoded = EntryCodec.decode(GERMANY.redisKey(), formatOne);

    assertThat(decoded).isEqualTo(SMALL);
    assertThat(decoded.body().identity()).isEqualTo(SMALL.body().identity());
  }

  @Test
  void anEnvelopeOfFormatTwoIsReadWithoutValidators() {
    CachedResponse withValidators = withValidators(SMALL, VALIDATORS);
    byte[] formatTwo = olderFormat(2, GERMANY.redisKey(), withValidators);

    CachedResponse decoded = EntryCodec.decode(GERMANY.redisKey(), formatTwo);

    assertThat(decoded).isEqualTo(SMALL);
    assertThat(decoded.validators()).isEqualTo(Validators.NONE);
    assertThat(decoded.body().identity()).isEqualTo(SMALL.body().identity());
  }

  @Test
  void anEnvelopeOfFormatOneIsReadWithoutValidators() {
    byte[] formatOne = formatOne(GERMANY.redisKey(), withValidators(SMALL, VALIDATORS));

    CachedResponse decoded = EntryCodec.decode(GERMANY.redisKey(), formatOne);

    assertThat(decoded.validators()).isEqualTo(Validators.NONE);
    assertThat(decoded.body().etag()).isEqualTo(SMALL.body().etag());
  }

  @Test
  void theUpstreamsEtagAndLastModifiedRoundTrip() {
    CachedResponse entry = withValidators(SMALL, VALIDATORS);

    CachedResponse decoded =
        EntryCodec.decode(GERMANY.redisKey(), EntryCodec.encode(GERMANY.redisKey(), entry));

    assertThat(decoded.validators()).isEqualTo(VALIDATORS);
    assertThat(decoded).isEqualTo(entry);
  }

  @Test
  void anEntryWithOnlyALastModifiedRoundTrips() {
    Validators lastModifiedOnly = new Validators("", "Tue, 15 Nov 1994 12:45:26 GMT");
    CachedResponse entry = withValidators(SMALL, lastModifiedOnly);

    CachedResponse decoded =
        EntryCodec.decode(GERMANY.redisKey(), EntryCodec.encode(GERMANY.redisKey(), entry));

    assertThat(decoded.validators()).isEqualTo(lastModifiedOnly);
  }

  @Test
  void aCachedNotFoundKeepsItsStatusAndItsHeadSaysSo() {
    CachedResponse notFound =
        new CachedResponse(
            404,
            "application/json",
            ResponseBody.of("{\"message\":\"Not Found\"}".getBytes(StandardCharsets.UTF_8)),
            STORED_AT,
            Duration.ofSeconds(60),
            Duration.ofMillis(7));
    byte[] envelope = EntryCodec.encode(GERMANY.redisKey(), notFound);

    CachedResponse decoded = EntryCodec.decode(GERMANY.redisKey(), envelope);
    EntryCodec.Head head = EntryCodec.head(GERMANY.redisKey(), envelope);

    assertThat(decoded).isEqualTo(notFound);
    assertThat(head.status()).isEqualTo(404);
    assertThat(head.ttl()).isEqualTo(Duration.ofSeconds(60));
  }

  @Test
  void anEnvelopeOfFormatTwoIsReadAsFetchedByNoTrace() {
    byte[] formatTwo = olderFormat(2, GERMANY.redisKey(), TRACED);

    CachedResponse decoded = EntryCodec.decode(GERMANY.redisKey(), formatTwo);

    assertThat(decoded.fetchedBy()).isEqualTo(TraceLink.NONE);
    assertThat(decoded.body().identity()).isEqualTo(TRACED.body().identity());
    assertThat(decoded.storedAt()).isEqualTo(STORED_AT);
  }

  @Test
  void theTraceThatFetchedAnEntryIsKept() {
    byte[] envelope = EntryCodec.encode(GERMANY.redisKey(), TRACED);

    CachedResponse decoded = EntryCodec.decode(GERMANY.redisKey(), envelope);

    assertThat(decoded.fetchedBy()).isEqualTo(FETCHED_BY);
    assertThat(decoded).isEqualTo(TRACED);
  }

  @Test
  void anEntryFetchedByNoTraceIsDecodedAsFetchedByNone() {
    CachedResponse decoded = EntryCodec.decode(GERMANY.redisKey(), SMALL_ENVELOPE);

    assertThat(decoded.fetchedBy()).isEqualTo(TraceLink.NONE);
  }

  @Test
  void aChangedBodyByteIsCaughtByTheChecksum() {
    byte[] corrupted = SMALL_ENVELOPE.clone();
    corrupted[GZIP_START + 20] ^= 0x5A;

    Throwable error = catchThrowable(() -> EntryCodec.decode(GERMANY.redisKey(), corrupted));

    assertThat(error).isExactlyInstanceOf(StoreException.class).hasMessageContaining("CRC-32C");
  }

  @Test
  void javaSerializedBytesAreRefused() {
    byte[] serialized = {(byte) 0xAC, (byte) 0xED, 0x00, 0x05, 0x73, 0x72};

    Throwable error = catchThrowable(() -> EntryCodec.decode(GERMANY.redisKey(), serialized));

    assertThat(error).isInstanceOf(StoreException.class);
  }

  static IntStream prefixLengths() {
    return IntStream.range(0, SMALL_ENVELOPE.length);
  }

  @ParameterizedTest(name = "first {0} bytes")
  @MethodSource("prefixLengths")
  void everyTruncationIsRefusedAsAStoreException(int length) {
    byte[] truncated = Arrays.copyOf(SMALL_ENVELOPE, length);

    Throwable error = catchThrowable(() -> EntryCodec.decode(GERMANY.redisKey(), truncated));

    assertThat(error).isExactlyInstanceOf(StoreException.class);
  }

  @Test
  void trailingGarbageIsRefused() {
    byte[] envelope = Arrays.copyOf(SMALL_ENVELOPE, SMALL_ENVELOPE.length + 1);

    Throwable error = catchThrowable(() -> EntryCodec.decode(GERMANY.redisKey(), envelope));

    assertThat(error).isInstanceOf(StoreException.class).hasMessageContaining("trailing");
  }

  static Stream<Arguments> corruptedGzip() {
    int gzipLength = SMALL.body().gzip().length;
    return Stream.of(
        Arguments.of("first gzip magic byte", 0),
        Arguments.of("second gzip magic byte", 1),
        Arguments.of("compression method", 2),
        Arguments.of("first byte of the checksum", gzipLength - 8),
        Arguments.of("last byte of the length", gzipLength - 1));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("corruptedGzip")
  void aCorruptedGzipSectionIsRefusedAsAStoreException(String description, int offset) {
    byte[] corrupted = SMALL_ENVELOPE.clone();
    corrupted[GZIP_START + offset] ^= 0x5A;

    Throwable error = catchThrowable(() -> EntryCodec.decode(GERMANY.redisKey(), corrupted));

    assertThat(error).as(description).isExactlyInstanceOf(StoreException.class);
    assertThat(error).hasMessageContaining("country=germany");
  }

  @Property
  void anyCorruptedByteOfTheGzipSectionEitherDecodesToTheSameBodyOrIsAStoreException(
      @ForAll @IntRange(min = 0, max = 10_000) int position, @ForAll byte replacement) {
    byte[] corrupted = SMALL_ENVELOPE.clone();
    int index = GZIP_START + position % (SMALL_ENVELOPE.length - GZIP_START);
    corrupted[index] = replacement;

    Throwable error = catchThrowable(() -> EntryCodec.decode(GERMANY.redisKey(), corrupted));

    if (error == null) {
      assertThat(EntryCodec.decode(GERMANY.redisKey(), corrupted).body()).isEqualTo(SMALL.body());
    } else {
      assertThat(error).isExactlyInstanceOf(StoreException.class);
    }
  }

  @Property
  void anyCorruptedByteEitherDecodesOrIsAStoreException(
      @ForAll @IntRange(min = 0, max = 10_000) int position, @ForAll byte replacement) {
    byte[] corrupted = SMALL_ENVELOPE.clone();
    corrupted[position % corrupted.length] = replacement;

    Throwable error = catchThrowable(() -> EntryCodec.decode(GERMANY.redisKey(), corrupted));

    if (error != null) {
      assertThat(error).isExactlyInstanceOf(StoreException.class);
    }
  }

  @Property
  void arbitraryBytesAreRefusedAsAStoreException(@ForAll byte[] bytes) {
    Throwable error = catchThrowable(() -> EntryCodec.decode(GERMANY.redisKey(), bytes));

    assertThat(error).isExactlyInstanceOf(StoreException.class);
  }

  /** {@code entry}'s envelope as format 1 wrote it: no validators, no trace, no checksum. */
  static byte[] formatOne(String key, CachedResponse entry) {
    return olderFormat(1, key, entry);
  }

  /**
   * {@code entry}'s envelope as formats 1 and 2 wrote it, written out field by field here rather
   * than derived from the current encoder: neither has the upstream's validators or a trace; format
   * 1 has no checksum either.
   */
  private static byte[] olderFormat(int version, String key, CachedResponse entry) {
    byte[] keyBytes = key.getBytes(StandardCharsets.UTF_8);
    byte[] type = entry.contentType().getBytes(StandardCharsets.UTF_8);
    byte[] etag = entry.body().etag().getBytes(StandardCharsets.UTF_8);
    byte[] gzip = entry.body().gzip();
    ByteBuffer buffer =
        ByteBuffer.allocate(64 + keyBytes.length + type.length + etag.length + gzip.length);
    buffer.put((byte) 'C').put((byte) 'G').put((byte) version);
    buffer.putInt(keyBytes.length).put(keyBytes);
    buffer.putShort((short) entry.status());
    buffer.putLong(entry.storedAt().toEpochMilli());
    buffer.putLong(entry.ttl().toMillis());
    buffer.putLong(entry.fetchTime().toMillis());
    buffer.putShort((short) type.length).put(type);
    buffer.putShort((short) etag.length).put(etag);
    if (version == 2) {
      CRC32C crc = new CRC32C();
      crc.update(gzip);
      buffer.putInt((int) crc.getValue());
    }
    buffer.putInt(gzip.length).put(gzip);
    return Arrays.copyOf(buffer.array(), buffer.position());
  }

  private static CachedResponse withValidators(CachedResponse entry, Validators validators) {
    return new CachedResponse(
        entry.status(),
        entry.contentType(),
        entry.body(),
        entry.storedAt(),
        entry.ttl(),
        entry.fetchTime(),
        validators,
        TraceLink.NONE);
  }

  private static CachedResponse withBody(byte[] body) {
    return new CachedResponse(200, "application/json", body, STORED_AT, Duration.ofSeconds(30));
  }

  private static CacheKey key(String country) {
    return BuiltInRoute.universities().key("cachegate", query(country));
  }

  private static Map<String, List<String>> query(String country) {
    return Map.of("country", List.of(country));
  }
}
