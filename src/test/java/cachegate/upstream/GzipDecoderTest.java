package cachegate.upstream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import cachegate.support.GzipBomb;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.zip.GZIPOutputStream;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.junit.jupiter.api.Test;

/**
 * A gzip body inflated as it arrives: the same bytes whatever its split and however many members it
 * has, damaged bodies refused, and a body that inflates past the cap refused after at most the cap
 * and one piece, whatever it would inflate to.
 */
class GzipDecoderTest {
  private static final byte[] JSON =
      "[{\"name\":\"Universidad de Chile\",\"country\":\"Chile\"},{\"name\":\"PUC\"}]"
          .repeat(50)
          .replace("][", ",")
          .getBytes(StandardCharsets.UTF_8);

  @Property(tries = 60)
  void aBodySplitAnywhereInflatesToItsBytes(@ForAll("splits") List<Integer> cuts) {
    byte[] gzip = gzip(JSON);

    byte[] inflated = inflate(gzip, cuts, Long.MAX_VALUE);

    assertThat(inflated).isEqualTo(JSON);
  }

  @Test
  void aBodyOfOnePlainMemberCanBeKeptAsItIs() {
    try (GzipDecoder decoder = decodeWhole(gzip(JSON))) {
      assertThat(decoder.isOnePlainMember()).isTrue();
      assertThat(decoder.inflated()).isEqualTo(JSON.length);
    }
  }

  @Property(tries = 30)
  void concatenatedMembersInflateToTheirBytesInOrderAndAreNotKeptAsTheyAre(
      @ForAll("splits") List<Integer> cuts) {
    byte[] first = Arrays.copyOf(JSON, 1000);
    byte[] second = Arrays.copyOfRange(JSON, 1000, JSON.length);
    byte[] gzip = concat(gzip(first), gzip(second));

    byte[] inflated = inflate(gzip, cuts, Long.MAX_VALUE);

    assertThat(inflated).isEqualTo(JSON);
    try (GzipDecoder decoder = decodeWhole(gzip)) {
      assertThat(decoder.isOnePlainMember()).isFalse();
    }
  }

  @Property(tries = 30)
  void aHeaderWithAFileNameExtraFieldAndCommentIsSkipped(@ForAll("splits") List<Integer> cuts) {
    byte[] plain = gzip(JSON);
    byte[] header = {
      0x1f,
      (byte) 0x8b,
      8,
      4 | 8 | 16,
      0,
      0,
      0,
      0,
      0,
      3,
      3,
      0,
      'a',
      'b',
      'c',
      'f',
      '.',
      'j',
      0,
      'c',
      0
    };
    byte[] gzip = concat(header, Arrays.copyOfRange(plain, 10, plain.length));

    byte[] inflated = inflate(gzip, cuts, Long.MAX_VALUE);

    assertThat(inflated).isEqualTo(JSON);
    try (GzipDecoder decoder = decodeWhole(gzip)) {
      assertThat(decoder.isOnePlainMember()).isFalse();
    }
  }

  @Test
  void aTruncatedBodyIsRefusedAtItsEnd() {
    byte[] gzip = gzip(JSON);

    for (int cut : new int[] {0, 5, 10, gzip.length / 2, gzip.length - 4, gzip.length - 1}) {
      assertThatThrownBy(() -> decodeWhole(Arrays.copyOf(gzip, cut)).close())
          .as("cut at %d", cut)
          .isInstanceOfSatisfying(
              GzipDecoder.Refused.class, refused -> assertThat(refused.tooLarge()).isFalse())
          .hasMessageContaining(cut == 0 ? "empty" : "truncated");
    }
  }

  @Test
  void aBodyWhoseChecksumDoesNotMatchIsRefused() {
    byte[] gzip = gzip(JSON);
    gzip[gzip.length - 6] ^= 1;

    assertThatThrownBy(() -> decodeWhole(gzip).close())
        .isInstanceOf(GzipDecoder.Refused.class)
        .hasMessageContaining("CRC-32");
  }

  @Test
  void bytesThatAreNotGzipAreRefused() {
    assertThatThrownBy(() -> decodeWhole(JSON).close())
        .isInstanceOf(GzipDecoder.Refused.class)
        .hasMessageContaining("no gzip header");
  }

  @Test
  void bytesAfterTheLastMemberAreRefused() {
    byte[] gzip = concat(gzip(JSON), "garbage   ".getBytes(StandardCharsets.US_ASCII));

    assertThatThrownBy(() -> decodeWhole(gzip).close())
        .isInstanceOf(GzipDecoder.Refused.class)
        .hasMessageContaining("trailing bytes");
  }

  @Test
  void aBombIsRefusedAsTooLargeAfterInflatingNoMoreThanTheCapAndOnePiece() {
    // 256 MiB of spaces in a JSON array: about 250 KiB of gzip.
    byte[] bomb = GzipBomb.of(256L << 20);
    long cap = 1 << 20;
    byte[] piece = new byte[AnswerReader.INFLATED_PIECE_BYTES];

    try (GzipDecoder decoder = new GzipDecoder(cap)) {
      assertThatThrownBy(
              () -> {
                for (int at = 0; at < bomb.length; at += 8192) {
                  decoder.give(bomb, at, Math.min(8192, bomb.length - at));
                  while (decoder.inflate(piece) > 0) {
                    // dropped, as a caller that refuses it would
                  }
                }
              })
          .isInstanceOfSatisfying(
              GzipDecoder.Refused.class, refused -> assertThat(refused.tooLarge()).isTrue());
      assertThat(decoder.inflated()).isBetween(cap + 1, cap + piece.length);
    }
  }

  static byte[] gzip(byte[] bytes) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (GZIPOutputStream gzip = new GZIPOutputStream(out)) {
      gzip.write(bytes);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toByteArray();
  }

  private static byte[] concat(byte[] first, byte[] second) {
    byte[] both = Arrays.copyOf(first, first.length + second.length);
    System.arraycopy(second, 0, both, first.length, second.length);
    return both;
  }

  /** Inflates {@code gzip} given whole, checks its end and returns the decoder (to close). */
  private static GzipDecoder decodeWhole(byte[] gzip) {
    GzipDecoder decoder = new GzipDecoder(Long.MAX_VALUE);
    try {
      decoder.give(gzip, 0, gzip.length);
      byte[] piece = new byte[4096];
      while (decoder.inflate(piece) > 0) {
        // counted by the decoder
      }
      decoder.finish();
      return decoder;
    } catch (RuntimeException e) {
      decoder.close();
      throw e;
    }
  }

  /** Inflates {@code gzip} given in pieces cut at {@code cuts}, in small pieces of output. */
  private static byte[] inflate(byte[] gzip, List<Integer> cuts, long cap) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    byte[] piece = new byte[777];
    try (GzipDecoder decoder = new GzipDecoder(cap)) {
      int from = 0;
      for (int cut : cuts.stream().map(c -> c % (gzip.length + 1)).sorted().toList()) {
        decoder.give(gzip, from, cut - from);
        drain(decoder, piece, out);
        from = cut;
      }
      decoder.give(gzip, from, gzip.length - from);
      drain(decoder, piece, out);
      decoder.finish();
    }
    return out.toByteArray();
  }

  private static void drain(GzipDecoder decoder, byte[] piece, ByteArrayOutputStream out) {
    int count;
    while ((count = decoder.inflate(piece)) > 0) {
      out.write(piece, 0, count);
    }
  }

  @Provide
  Arbitrary<List<Integer>> splits() {
    return Arbitraries.integers().between(0, 100_000).list().ofMaxSize(12);
  }
}
