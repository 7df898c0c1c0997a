package cachegate.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import cachegate.engine.InvalidRequestException;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class QueryStringTest {

  @ParameterizedTest(name = "{0} -> [{1}]")
  @CsvSource(
      delimiter = '|',
      quoteCharacter = '`',
      value = {
        "name=New+York             | New York",
        "name=New%20York           | New York",
        "name=a%2Bb                | a+b",
        "name=a%26b%3Dc            | a&b=c",
        "name=%C3%A9               | é",
        "name=%c3%a9               | é",
        "name=%E6%97%A5%E6%9C%AC   | 日本",
        "name=%F0%9F%98%80         | 😀",
        "name=\u00c3\u00a9            | é",
        "name=a=b                  | a=b",
        "name=                     | ``",
        "name                      | ``",
      })
  void aValueIsDecoded(String rawQuery, String expected) {
    Map<String, List<String>> params = QueryString.parse(rawQuery);

    assertThat(params).containsExactly(Map.entry("name", List.of(expected)));
  }

  @Test
  void namesAreDecodedToo() {
    String query = "name%5Fcontains=x&a+b=y";

    Map<String, List<String>> params = QueryString.parse(query);

    assertThat(params)
        .containsExactly(Map.entry("name_contains", List.of("x")), Map.entry("a b", List.of("y")));
  }

  @Test
  void repeatedNamesCollectEveryValueInOrder() {
    String query = "country=b&name=x&country=a&country=c";

    Map<String, List<String>> params = QueryString.parse(query);

    assertThat(params)
        .containsExactly(
            Map.entry("country", List.of("b", "a", "c")), Map.entry("name", List.of("x")));
  }

  @Test
  void emptyPairsAreSkipped() {
    String query = "&&country=germany&&&limit=5&";

    Map<String, List<String>> params = QueryString.parse(query);

    assertThat(params)
        .containsExactly(
            Map.entry("country", List.of("germany")), Map.entry("limit", List.of("5")));
  }

  @ParameterizedTest(name = "[{0}]")
  @ValueSource(strings = {"", "&", "&&&"})
  void anEmptyQueryHasNoParameters(String rawQuery) {
    Map<String, List<String>> params = QueryString.parse(rawQuery);

    assertThat(params).isEmpty();
  }

  @Test
  void anAbsentQueryHasNoParameters() {
    String rawQuery = null;

    Map<String, List<String>> params = QueryString.parse(rawQuery);

    assertThat(params).isEmpty();
  }

  @ParameterizedTest(name = "[{0}]")
  @ValueSource(
      strings = {
        "name=%zz",
        "name=%4",
        "name=%",
        "name=a%",
        "name=%4g",
        "name=%g4",
        "%zz=x",
        "name=%%41",
      })
  void aMalformedPercentEscapeIsRefused(String rawQuery) {
    Throwable error = catchThrowable(() -> QueryString.parse(rawQuery));

    assertThat(error).isInstanceOf(InvalidRequestException.class).hasMessageContaining("escape");
  }

  /** Percent-escapes are two ASCII hex digits (RFC 3986 §2.1), not any Unicode digit. */
  @ParameterizedTest(name = "[{0}]")
  @ValueSource(strings = {"name=%\u0664\u0661", "name=%\uFF14\uFF11", "name=%\uFF14\uFF21"})
  void aPercentEscapeWithNonAsciiDigitsIsRefused(String rawQuery) {
    Throwable error = catchThrowable(() -> QueryString.parse(rawQuery));

    assertThat(error).isInstanceOf(InvalidRequestException.class);
  }

  @ParameterizedTest(name = "[{0}]")
  @ValueSource(
      strings = {
        "name=%C3%28",
        "name=%C3",
        "name=%FF",
        "name=%C0%AF",
        "name=%ED%A0%80",
        "name=%F4%90%80%80",
      })
  void invalidUtf8IsRefused(String rawQuery) {
    Throwable error = catchThrowable(() -> QueryString.parse(rawQuery));

    assertThat(error).isInstanceOf(InvalidRequestException.class).hasMessageContaining("UTF-8");
  }

  @ParameterizedTest(name = "[{0}]")
  @ValueSource(
      strings = {"name=%0D%0A", "name=a%0Db", "name=a%0Ab", "name=%00", "name=%7F", "x%00=1"})
  void controlCharactersAreRefused(String rawQuery) {
    Throwable error = catchThrowable(() -> QueryString.parse(rawQuery));

    assertThat(error).isInstanceOf(InvalidRequestException.class).hasMessageContaining("control");
  }

  /**
   * A character outside the Basic Multilingual Plane is a surrogate pair in a Java string; decoding
   * it one {@code char} at a time turns each half into {@code ?}, so that every emoji becomes the
   * same {@code ??} and distinct values share one cache key.
   */
  @ParameterizedTest(name = "[{0}]")
  @ValueSource(strings = {"\uD83D\uDE00", "\uD83C\uDF89", "\uD800\uDF48"})
  void anUnescapedCharacterOutsideTheBmpIsKeptIntact(String value) {
    String rawQuery = "name=" + value;

    Map<String, List<String>> params = QueryString.parse(rawQuery);

    assertThat(params).containsExactly(Map.entry("name", List.of(value)));
  }
}
