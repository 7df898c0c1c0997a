package cachegate.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;

import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class UrlTemplateTest {
  @Test
  void withoutPlaceholdersEveryParameterGoesToTheQueryInNameOrder() {
    UrlTemplate template = UrlTemplate.parse("http://upstream:8080/search");

    String url = template.expand(params(Map.of("name", "tech", "country", "germany")));

    assertThat(url).isEqualTo("http://upstream:8080/search?country=germany&name=tech");
    assertThat(template.placeholders()).isEmpty();
    assertThat(template.origin()).isEqualTo("http://upstream:8080");
  }

  @Test
  void placeholdersAreFilledAndLeftOutOfTheQuery() {
    UrlTemplate template = UrlTemplate.parse("https://api.example/{country}/{code}.json");

    String url = template.expand(params(Map.of("country", "de", "code", "10115", "lang", "en")));

    assertThat(url).isEqualTo("https://api.example/de/10115.json?lang=en");
    assertThat(template.placeholders()).containsExactlyInAnyOrder("country", "code");
  }

  @Test
  void aTemplateWithItsOwnQueryKeepsItAndAppendsTheParameters() {
    UrlTemplate template = UrlTemplate.parse("http://h/v1/forecast?format=json");

    assertThat(template.expand(params(Map.of("latitude", "52.5"))))
        .isEqualTo("http://h/v1/forecast?format=json&latitude=52.5");
    assertThat(template.expand(params(Map.of()))).isEqualTo("http://h/v1/forecast?format=json");
  }

  @ParameterizedTest(name = "{0} -> {1}")
  @CsvSource({
    "'a b',    a%20b",
    "a/b,      a%2Fb",
    "a?b#c,    a%3Fb%23c",
    "'x&y=z',  x%26y%3Dz",
    "é,        %C3%A9",
    "a+b,      a%2Bb"
  })
  void aPlaceholderValueIsEncodedAsOnePathSegment(String value, String encoded) {
    UrlTemplate template = UrlTemplate.parse("http://h/items/{id}");

    assertThat(template.expand(params(Map.of("id", value)))).isEqualTo("http://h/items/" + encoded);
  }

  @Test
  void queryValuesAreFormEncodedSoTheyCannotForgeAParameter() {
    UrlTemplate template = UrlTemplate.parse("http://h/search");

    assertThat(template.expand(params(Map.of("name", "a&admin=1 b"))))
        .isEqualTo("http://h/search?name=a%26admin%3D1+b");
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(
      delimiter = '|',
      value = {
        "ftp://h/a | absolute http or https URL",
        "/relative/path | absolute http or https URL",
        "http://h/a#part | no fragment",
        "http://{host}/a | only in the path",
        "http://h/a?q={q} | only in the path",
        "http://h/a b | not a valid URL"
      })
  void unusableTemplatesAreRefusedSayingWhy(String template, String problem) {
    assertThat(catchThrowable(() -> UrlTemplate.parse(template)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining(problem);
  }

  @Test
  void templatesAreEqualWhenWrittenAlike() {
    assertThat(UrlTemplate.parse("http://h/{a}")).isEqualTo(UrlTemplate.parse("http://h/{a}"));
    assertThat(UrlTemplate.parse("http://h/{a}")).hasToString("http://h/{a}");
  }

  private static TreeMap<String, String> params(Map<String, String> values) {
    return new TreeMap<>(values);
  }

  @Test
  void credentialsInTheTemplatesOwnQueryAreSentButNeverShown() {
    UrlTemplate template =
        UrlTemplate.parse("https://api.example.com/{id}/search?api_key=s3cret&format=json&sig=abc");
    java.util.TreeMap<String, String> params = new java.util.TreeMap<>();
    params.put("id", "7");
    params.put("q", "x");

    assertThat(template.expand(params))
        .isEqualTo("https://api.example.com/7/search?api_key=s3cret&format=json&sig=abc&q=x");
    assertThat(template.shown(params))
        .isEqualTo("https://api.example.com/7/search?api_key=***&format=json&sig=***&q=x");
    assertThat(template.toString())
        .isEqualTo("https://api.example.com/{id}/search?api_key=***&format=json&sig=***");
  }

  @Test
  void aTemplateWithUserInformationIsRefusedWithoutQuotingIt() {
    assertThatThrownBy(() -> UrlTemplate.parse("https://me:pa55@api.example.com/x"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("must not hold credentials")
        .hasMessageNotContaining("pa55");
    assertThatThrownBy(() -> UrlTemplate.parse("ftp://me:pa55@api.example.com/x"))
        .hasMessageNotContaining("pa55");
  }
}
