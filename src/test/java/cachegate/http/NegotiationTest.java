package cachegate.http;

import static org.assertj.core.api.Assertions.assertThat;

import cachegate.engine.ResponseBody;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class NegotiationTest {
  private static final ResponseBody BODY =
      ResponseBody.of("[{\"name\":\"TU Berlin\"}]".getBytes(StandardCharsets.UTF_8));

  @ParameterizedTest(name = "Accept-Encoding: [{0}] -> {1}")
  @CsvSource(
      delimiter = '|',
      quoteCharacter = '`',
      value = {
        "gzip                    | true",
        "GZIP                    | true",
        "gzip, deflate, br       | true",
        "deflate, br, gzip       | true",
        "br;q=1.0, gzip;q=0.5    | true",
        "gzip;q=0.001            | true",
        "x-gzip                  | true",
        "*                       | true",
        "deflate, *;q=0.1        | true",
        "gzip;q=0                | false",
        "gzip; q=0.000           | false",
        "gzip;Q=0                | false",
        "gzip;q=0.               | false",
        "x-gzip;q=0              | false",
        "*;q=0                   | false",
        "br, *;q=0               | false",
        "identity                | false",
        "deflate, br             | false",
        "``                      | false",
        "*, gzip;q=0             | false",
        "gzip;q=0, *             | false",
      })
  void acceptsGzipUnlessGzipIsMissingOrRefusedWithQZero(String acceptEncoding, boolean expected) {
    boolean accepted = Negotiation.acceptsGzip(acceptEncoding);

    assertThat(accepted).isEqualTo(expected);
  }

  @Test
  void noAcceptEncodingHeaderMeansIdentity() {
    boolean accepted = Negotiation.acceptsGzip(null);

    assertThat(accepted).isFalse();
  }

  @Test
  void theExactEntityTagMatches() {
    String ifNoneMatch = BODY.etag();

    boolean matches = Negotiation.matchesAny(ifNoneMatch, BODY);

    assertThat(matches).isTrue();
  }

  @Test
  void theGzipEntityTagMatches() {
    String ifNoneMatch = BODY.gzipEtag();

    boolean matches = Negotiation.matchesAny(ifNoneMatch, BODY);

    assertThat(matches).isTrue();
  }

  @Test
  void aWeakTagMatchesByWeakComparison() {
    String ifNoneMatch = "W/" + BODY.etag();

    boolean matches = Negotiation.matchesAny(ifNoneMatch, BODY);

    assertThat(matches).isTrue();
  }

  @Test
  void aTagInsideAListWithSpacesMatches() {
    String ifNoneMatch = "\"other\",  W/\"another\" , " + BODY.gzipEtag() + " ";

    boolean matches = Negotiation.matchesAny(ifNoneMatch, BODY);

    assertThat(matches).isTrue();
  }

  @Test
  void aStarMatchesAnyRepresentation() {
    boolean matches = Negotiation.matchesAny("*", BODY);

    assertThat(matches).isTrue();
  }

  @ParameterizedTest(name = "If-None-Match: [{0}]")
  @CsvSource(
      delimiter = '|',
      quoteCharacter = '`',
      value = {
        "\"nope\"",
        "\"nope\", W/\"other\"",
        "``",
      })
  void otherTagsDoNotMatch(String ifNoneMatch) {
    boolean matches = Negotiation.matchesAny(ifNoneMatch, BODY);

    assertThat(matches).isFalse();
  }

  @Test
  void theTagWithoutItsQuotesDoesNotMatch() {
    String unquoted = BODY.etag().replace("\"", "");

    boolean matches = Negotiation.matchesAny(unquoted, BODY);

    assertThat(matches).isFalse();
  }

  @Test
  void anotherBodysTagDoesNotMatch() {
    String otherTag = ResponseBody.of(new byte[] {1}).etag();

    boolean matches = Negotiation.matchesAny(otherTag, BODY);

    assertThat(matches).isFalse();
  }

  @Test
  void noIfNoneMatchHeaderMatchesNothing() {
    boolean matches = Negotiation.matchesAny(null, BODY);

    assertThat(matches).isFalse();
  }
}
