package cachegate.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.Random;
import java.util.stream.Stream;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class ResponseBodyTest {
  private static final byte[] JSON =
      ("["
              + "{\"name\":\"Technische Universität Berlin\",\"country\":\"Germany\"},".repeat(200)
              + "{}]")
          .getBytes(StandardCharsets.UTF_8);

  @Test
  void theGzipFormRestoresTheSameBodyAndTag() {
    ResponseBody body = ResponseBody.of(JSON);

    ResponseBody restored = ResponseBody.fromGzip(body.gzip(), body.etag());

    assertThat(restored.identity()).isEqualTo(JSON);
    assertThat(restored.gzip()).isEqualTo(body.gzip());
    assertThat(restored.etag()).isEqualTo(body.etag());
    assertThat(restored).isEqualTo(body).hasSameHashCodeAs(body);
  }

  @Test
  void aBodyFromCheckedGzipServesItsGzipAsStoredAndItsIdentityOnDemand() {
    ResponseBody body = ResponseBody.of(JSON);

    ResponseBody restored = ResponseBody.fromCheckedGzip(body.gzip(), body.etag());

    assertThat(restored.gzip()).isSameAs(body.gzip());
    assertThat(restored.identityLength()).isEqualTo(JSON.length);
    assertThat(restored).isEqualTo(body).hasSameHashCodeAs(body);
    assertThat(restored.identity()).isEqualTo(JSON);
    assertThat(restored.identity()).isSameAs(restored.identity());
  }

  @Test
  void aBodyFromCheckedGzipDecompressesIntoAGivenBufferWithoutKeepingTheResult() {
    ResponseBody restored = ResponseBody.fromCheckedGzip(ResponseBody.of(JSON).gzip(), "\"tag\"");
    ByteBuffer direct = ByteBuffer.allocateDirect(JSON.length + 3).position(3);

    restored.decompressInto(direct);

    assertThat(direct.position()).isEqualTo(JSON.length + 3);
    byte[] written = new byte[JSON.length];
    direct.position(3).get(written);
    assertThat(written).isEqualTo(JSON);
    assertThat(restored.holdsIdentity()).isFalse();
  }

  @Test
  void decompressingIntoTooSmallABufferIsRefused() {
    ResponseBody restored = ResponseBody.fromCheckedGzip(ResponseBody.of(JSON).gzip(), "\"tag\"");

    assertThat(catchThrowable(() -> restored.decompressInto(ByteBuffer.allocate(JSON.length - 1))))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void checkedGzipThatDoesNotDecompressFailsWhenItsIdentityIsAskedFor() {
    byte[] gzip = ResponseBody.of(JSON).gzip().clone();
    gzip[20] ^= 0x5A;

    ResponseBody restored = ResponseBody.fromCheckedGzip(gzip, "\"tag\"");

    assertThat(catchThrowable(restored::identity))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("does not decompress");
    assertThat(catchThrowable(() -> restored.decompressInto(ByteBuffer.allocate(JSON.length))))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("does not decompress");
  }

  @Test
  void checkedGzipWithoutAGzipFrameIsRefusedAtOnce() {
    byte[] notGzip = "[1,2,3] and more text".getBytes(StandardCharsets.UTF_8);

    assertThat(catchThrowable(() -> ResponseBody.fromCheckedGzip(notGzip, "\"tag\"")))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void theGzipFormIsAStandardGzipStream() throws IOException {
    ResponseBody body = ResponseBody.of(JSON);

    byte[] decompressed;
    try (InputStream in = new GZIPInputStream(new ByteArrayInputStream(body.gzip()))) {
      decompressed = in.readAllBytes();
    }

    assertThat(decompressed).isEqualTo(JSON);
  }

  @Test
  void anEmptyBodyRoundTrips() {
    ResponseBody empty = ResponseBody.of(new byte[0]);

    ResponseBody restored = ResponseBody.fromGzip(empty.gzip(), empty.etag());

    assertThat(restored.identity()).isEmpty();
    assertThat(restored).isEqualTo(empty);
  }

  @Property
  void anyBodyRoundTripsThroughItsGzipForm(@ForAll byte[] bytes) {
    ResponseBody body = ResponseBody.of(bytes);

    ResponseBody restored = ResponseBody.fromGzip(body.gzip(), body.etag());
    ResponseBody restoredOnDemand = ResponseBody.fromCheckedGzip(body.gzip(), body.etag());

    assertThat(restored.identity()).isEqualTo(bytes);
    assertThat(restoredOnDemand.identityLength()).isEqualTo(bytes.length);
    ByteBuffer into = ByteBuffer.allocate(bytes.length);
    ResponseBody.fromCheckedGzip(body.gzip(), body.etag()).decompressInto(into);
    assertThat(into.array()).isEqualTo(bytes);
    assertThat(restoredOnDemand.identity()).isEqualTo(bytes);
  }

  @Property
  void theGzipFormIsWhatGzipOutputStreamWritesWhateverWasCompressedBefore(
      @ForAll byte[] before, @ForAll byte[] bytes) throws IOException {
    ResponseBody.of(before).gzip();

    byte[] gzip = ResponseBody.of(bytes).gzip();

    ByteArrayOutputStream expected = new ByteArrayOutputStream();
    try (GZIPOutputStream stream = new GZIPOutputStream(expected)) {
      stream.write(bytes);
    }
    assertThat(gzip).isEqualTo(expected.toByteArray());
  }

  @Test
  void aBodyThatDoesNotCompressIsStillWhatGzipOutputStreamWrites() throws IOException {
    byte[] noise = new byte[300_000];
    new Random(15).nextBytes(noise);

    byte[] gzip = ResponseBody.of(noise).gzip();

    ByteArrayOutputStream expected = new ByteArrayOutputStream();
    try (GZIPOutputStream stream = new GZIPOutputStream(expected)) {
      stream.write(noise);
    }
    assertThat(gzip).isEqualTo(expected.toByteArray());
  }

  @Test
  void gzipIsMuchSmallerForRepetitiveJson() {
    ResponseBody body = ResponseBody.of(JSON);

    int gzipped = body.gzip().length;

    assertThat(gzipped).isLessThan(JSON.length / 10);
  }

  @Test
  void equalContentHasTheSameTag() {
    ResponseBody first = ResponseBody.of(JSON.clone());
    ResponseBody second = ResponseBody.of(JSON.clone());

    String firstTag = first.etag();
    String secondTag = second.etag();

    assertThat(firstTag).isEqualTo(secondTag);
    assertThat(first.gzipEtag()).isEqualTo(second.gzipEtag());
  }

  @Test
  void differentContentHasDifferentTags() {
    byte[] changed = JSON.clone();
    changed[changed.length - 2] = ' ';

    String original = ResponseBody.of(JSON).etag();
    String other = ResponseBody.of(changed).etag();

    assertThat(other).isNotEqualTo(original);
  }

  @Test
  void aTagIsAQuotedStrongEntityTag() {
    ResponseBody body = ResponseBody.of(JSON);

    String etag = body.etag();
    String gzipEtag = body.gzipEtag();

    assertThat(etag).matches("\"[A-Za-z0-9_-]{27}\"");
    assertThat(gzipEtag).matches("\"[A-Za-z0-9_-]{27}-gz\"");
    assertThat(gzipEtag).startsWith(etag.substring(0, etag.length() - 1));
  }

  @Test
  void theGzipRepresentationHasItsOwnTag() {
    ResponseBody body = ResponseBody.of(JSON);

    String gzipEtag = body.gzipEtag();

    assertThat(gzipEtag).isNotEqualTo(body.etag());
  }

  @Test
  void bodiesCompareByContent() {
    ResponseBody first = ResponseBody.of(new byte[] {1, 2, 3});
    ResponseBody same = ResponseBody.of(new byte[] {1, 2, 3});
    ResponseBody other = ResponseBody.of(new byte[] {1, 2, 4});

    boolean equal = first.equals(same);

    assertThat(equal).isTrue();
    assertThat(first).hasSameHashCodeAs(same);
    assertThat(first).isNotEqualTo(other);
  }

  static Stream<Arguments> notGzip() {
    byte[] valid = ResponseBody.of(JSON).gzip();
    byte[] badCrc = valid.clone();
    badCrc[badCrc.length - 8] ^= 0x01;
    byte[] random = new byte[100];
    new Random(7).nextBytes(random);
    return Stream.of(
        Arguments.of("plain JSON", "[1,2,3]".getBytes(StandardCharsets.UTF_8)),
        Arguments.of("no bytes at all", new byte[0]),
        Arguments.of("random bytes", random),
        Arguments.of("a truncated stream", Arrays.copyOf(valid, valid.length / 2)),
        Arguments.of("a wrong checksum", badCrc),
        Arguments.of("a trailer naming a larger size", withSize(valid, +1)),
        Arguments.of("a trailer naming a smaller size", withSize(valid, -1)),
        Arguments.of("bytes after the deflate stream", withExtraByteBeforeTrailer(valid)));
  }

  private static byte[] withSize(byte[] gzip, int delta) {
    byte[] changed = gzip.clone();
    int at = changed.length - 4;
    int size =
        (changed[at] & 0xff)
            | (changed[at + 1] & 0xff) << 8
            | (changed[at + 2] & 0xff) << 16
            | (changed[at + 3] & 0xff) << 24;
    size += delta;
    for (int i = 0; i < 4; i++) {
      changed[at + i] = (byte) (size >>> (8 * i));
    }
    return changed;
  }

  private static byte[] withExtraByteBeforeTrailer(byte[] gzip) {
    byte[] changed = new byte[gzip.length + 1];
    System.arraycopy(gzip, 0, changed, 0, gzip.length - 8);
    changed[gzip.length - 8] = 42;
    System.arraycopy(gzip, gzip.length - 8, changed, gzip.length - 7, 8);
    return changed;
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("notGzip")
  void restoringFromBytesThatAreNotGzipIsRefused(String description, byte[] bytes) {
    Throwable error = catchThrowable(() -> ResponseBody.fromGzip(bytes, "\"tag\""));

    assertThat(error).as(description).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void everyTruncationOfAStreamIsRefusedAndNoneHangs() {
    byte[] gzip =
        ResponseBody.of("[{\"name\":\"a\"}]".repeat(500).getBytes(StandardCharsets.UTF_8)).gzip();

    assertTimeoutPreemptively(
        Duration.ofSeconds(20),
        () -> {
          for (int length = 0; length < gzip.length; length++) {
            byte[] truncated = Arrays.copyOf(gzip, length);
            assertThat(catchThrowable(() -> ResponseBody.fromGzip(truncated, "\"tag\"")))
                .as("truncated to %d of %d bytes", length, gzip.length)
                .isInstanceOf(IllegalArgumentException.class);
          }
        });
  }

  @Test
  void aTrailerNamingAnImpossibleSizeIsRefusedBeforeAnythingIsAllocated() {
    byte[] gzip = ResponseBody.of("[1,2,3]".getBytes(StandardCharsets.UTF_8)).gzip().clone();
    int at = gzip.length - 4;
    gzip[at] = (byte) 0xf0;
    gzip[at + 1] = (byte) 0xff;
    gzip[at + 2] = (byte) 0xff;
    gzip[at + 3] = (byte) 0x7f;

    assertThat(catchThrowable(() -> ResponseBody.fromGzip(gzip, "\"tag\"")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("impossible size");
  }
}
