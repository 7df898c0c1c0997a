package cachegate.upstream;

import static org.assertj.core.api.Assertions.assertThat;

import cachegate.engine.ResponseBody;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.junit.jupiter.api.Test;

/**
 * A body checked, hashed and compressed chunk by chunk is the body {@link ResponseBody#of} makes of
 * the whole: the same entity tag and, byte for byte, the same gzip form, however it is split and
 * however much of it was compressed before its last byte arrived.
 */
class ArrivingBodyTest {
  private static final byte[] FIXTURE = fixture();

  /** Larger than {@link ArrivingBody#DEFLATED_AT_END}: twenty copies of the fixture in an array. */
  private static final byte[] LARGE =
      ("["
              + String.join(
                  ",",
                  java.util.Collections.nCopies(20, new String(FIXTURE, StandardCharsets.UTF_8)))
              + "]")
          .getBytes(StandardCharsets.UTF_8);

  @Property(tries = 60)
  void theRecordedAnswerSplitAnywhereMakesTheSameBodyAsWhole(@ForAll("splits") List<Integer> cuts) {
    ResponseBody whole = ResponseBody.of(FIXTURE);

    ResponseBody arrived = arrive(FIXTURE, cuts);

    assertThat(arrived.etag()).isEqualTo(whole.etag());
    assertThat(arrived.gzip()).isEqualTo(whole.gzip());
    assertThat(arrived.identity()).isSameAs(FIXTURE);
    assertThat(arrived).isEqualTo(whole);
  }

  @Property(tries = 100)
  void anyJsonStringSplitAnywhereMakesTheSameBodyAsWhole(
      @ForAll("texts") String text, @ForAll("splits") List<Integer> cuts) {
    byte[] body = ("[\"" + text + "\"]").getBytes(StandardCharsets.UTF_8);

    ResponseBody arrived = arrive(body, cuts);

    assertThat(arrived.gzip()).isEqualTo(ResponseBody.of(body).gzip());
    assertThat(arrived.etag()).isEqualTo(ResponseBody.of(body).etag());
  }

  @Test
  void aBodyThatArrivesAllAtOnceIsTaggedNowAndCompressedWhenFirstNeeded() {
    ArrivingBody arriving = new ArrivingBody(LARGE.length);
    arriving.take(LARGE, 0, LARGE.length / 2);
    arriving.take(LARGE, LARGE.length / 2, LARGE.length - LARGE.length / 2);
    assertThat(arriving.end()).isEmpty();

    ResponseBody arrived = arriving.body(LARGE);

    assertThat(LARGE.length).isGreaterThan(ArrivingBody.DEFLATED_AT_END);
    assertThat(arrived.etag()).isEqualTo(ResponseBody.of(LARGE).etag());
    assertThat(arrived.gzip()).isEqualTo(ResponseBody.of(LARGE).gzip());
  }

  @Test
  void aClosedBodyCompressesNothingMore() {
    ArrivingBody arriving = new ArrivingBody(0);
    arriving.take(FIXTURE, 0, 100);

    arriving.close();
    arriving.deflatePending();
    arriving.close();
  }

  @Test
  void anEmptyArrayMakesTheSameBodyAsWhole() {
    byte[] body = "[]".getBytes(StandardCharsets.UTF_8);

    ResponseBody arrived = arrive(body, List.of());

    assertThat(arrived.gzip()).isEqualTo(ResponseBody.of(body).gzip());
  }

  @Test
  void aBodyThatStopsBeingJsonSaysSoAtTheChunkThatBrokeIt() {
    try (ArrivingBody body = new ArrivingBody(0)) {
      byte[] start = "[{\"a\":1},".getBytes(StandardCharsets.UTF_8);
      byte[] html = "<html>".getBytes(StandardCharsets.UTF_8);

      assertThat(body.take(start, 0, start.length)).isTrue();
      assertThat(body.take(html, 0, html.length)).isFalse();
      assertThat(body.end()).isPresent();
    }
  }

  @Test
  void aBodyThatEndsTooEarlyIsAProblem() {
    try (ArrivingBody body = new ArrivingBody(0)) {
      byte[] start = "[{\"a\":1}".getBytes(StandardCharsets.UTF_8);

      body.take(start, 0, start.length);

      assertThat(body.end()).isPresent();
    }
  }

  private static ResponseBody arrive(byte[] body, List<Integer> cuts) {
    ArrivingBody arriving = new ArrivingBody(body.length);
    int[] points =
        cuts.stream()
            .mapToInt(cut -> Math.floorMod(cut, body.length + 1))
            .sorted()
            .distinct()
            .toArray();
    int from = 0;
    for (int point : points) {
      assertThat(arriving.take(body, from, point - from)).isTrue();
      // The event loop is free between chunks: what arrived is compressed.
      arriving.deflatePending();
      from = point;
    }
    assertThat(arriving.take(body, from, body.length - from)).isTrue();
    assertThat(arriving.end()).isEmpty();
    return arriving.body(body);
  }

  @Provide
  Arbitrary<List<Integer>> splits() {
    return Arbitraries.integers().between(0, Integer.MAX_VALUE).list().ofMaxSize(40);
  }

  @Provide
  Arbitrary<String> texts() {
    return Arbitraries.strings().alpha().numeric().withChars(' ', ',', ':').ofMaxLength(3000);
  }

  private static byte[] fixture() {
    try (InputStream in =
        ArrivingBodyTest.class.getResourceAsStream("/universities-fixture.json")) {
      return in.readAllBytes();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
