package cachegate.engine;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import java.util.Optional;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The Redis key format, written and read back by {@link CacheKey} alone. */
class CacheKeyTest {
  @Test
  void parsingAKeyGivesItsNamespaceRouteAndParameters() {
    String redisKey = "cachegate:v2:{universities:country=germany&name=technical+university}";

    Optional<CacheKey> parsed = CacheKey.parse(redisKey);

    assertThat(parsed)
        .hasValueSatisfying(
            key -> {
              assertThat(key.namespace()).isEqualTo("cachegate");
              assertThat(key.route()).isEqualTo("universities");
              assertThat(key.params())
                  .containsExactly(
                      Map.entry("country", "germany"), Map.entry("name", "technical university"));
              assertThat(key.redisKey()).isEqualTo(redisKey);
            });
  }

  @Test
  void aParsedKeyEqualsTheKeyItWasWrittenFrom() {
    CacheKey written =
        new CacheKey("cachegate", "postcodes", Map.of("code", "10115", "country", "a&b=c:{d} e%"));

    Optional<CacheKey> parsed = CacheKey.parse(written.redisKey());

    assertThat(parsed).contains(written);
    assertThat(parsed.orElseThrow().params()).isEqualTo(written.params());
  }

  @Test
  void aValueTooLongToKeepReadableComesBackAsTheHashTheKeyHolds() {
    CacheKey written = new CacheKey("cachegate", "universities", Map.of("name", "x".repeat(65)));

    CacheKey parsed = CacheKey.parse(written.redisKey()).orElseThrow();

    assertThat(parsed).isEqualTo(written);
    assertThat(parsed.params().get("name")).matches("sha256:[0-9a-f]{64}");
  }

  @Test
  void aValueThatLooksLikeAHashIsHashedLikeAnyOtherSoItCannotPoseAsOne() {
    CacheKey hashed = new CacheKey("cachegate", "universities", Map.of("name", "x".repeat(65)));
    String hash = CacheKey.parse(hashed.redisKey()).orElseThrow().params().get("name");

    CacheKey posing = new CacheKey("cachegate", "universities", Map.of("name", hash));

    assertThat(posing).isNotEqualTo(hashed);
    assertThat(CacheKey.parse(posing.redisKey())).contains(posing);
  }

  @Test
  void parameterNamesWithSeparatorsAreEncodedSoTheKeyStillParses() {
    CacheKey written = new CacheKey("cachegate", "odd", Map.of("a&b=c", "1"));

    Optional<CacheKey> parsed = CacheKey.parse(written.redisKey());

    assertThat(written.redisKey()).isEqualTo("cachegate:v2:{odd:a%26b%3Dc=1}");
    assertThat(parsed).contains(written);
    assertThat(parsed.orElseThrow().params()).containsExactly(Map.entry("a&b=c", "1"));
  }

  @Test
  void aKeyOfARouteWithoutParametersParses() {
    Optional<CacheKey> parsed = CacheKey.parse("cachegate:v2:{health:}");

    assertThat(parsed.map(CacheKey::route)).hasValue("health");
    assertThat(parsed.orElseThrow().params()).isEmpty();
  }

  @Test
  void entriesLeasesAndEvictionsShareTheNamespacePrefixButNotTheRoutePrefix() {
    CacheKey key = new CacheKey("cachegate", "universities", Map.of("country", "germany"));

    assertThat(CacheKey.prefix("cachegate")).isEqualTo("cachegate:v2:");
    assertThat(key.redisKey()).startsWith(CacheKey.prefix("cachegate"));
    assertThat(key.leaseKey()).startsWith(CacheKey.prefix("cachegate"));
    assertThat(key.leaseKey()).doesNotStartWith(CacheKey.prefix("cachegate", "universities"));
    assertThat(CacheKey.parse(key.leaseKey())).isEmpty();
  }

  @ParameterizedTest(name = "{0}: {1}")
  @CsvSource(
      delimiter = '|',
      value = {
        "braces globbed away by a shell | cachegate:v2:universities:country=germany",
        "another format version         | cachegate:v1:{universities:country=germany}",
        "a lease key                    | cachegate:v2:lease:{universities:country=germany}",
        "no closing brace               | cachegate:v2:{universities:country=germany",
        "no route separator             | cachegate:v2:{universities}",
        "no route                       | cachegate:v2:{:country=germany}",
        "a pair without an equals sign  | cachegate:v2:{universities:country}",
        "a pair without a name          | cachegate:v2:{universities:=germany}",
        "an empty pair                  | cachegate:v2:{universities:country=germany&}",
        "pairs out of order             | cachegate:v2:{universities:name=x&country=y}",
        "a repeated name                | cachegate:v2:{universities:country=a&country=b}",
        "a needless escape              | cachegate:v2:{universities:country=%67ermany}",
        "a malformed escape             | cachegate:v2:{universities:country=%zz}",
        "a raw separator in a value     | cachegate:v2:{universities:country=a:b}",
        "a hash that is none            | cachegate:v2:{universities:name=sha256:abc}",
        "nothing like a key             | universities?country=germany",
      })
  void whatNoKeyCanBeWrittenAsDoesNotParse(String description, String text) {
    Optional<CacheKey> parsed = CacheKey.parse(text);

    assertThat(parsed).as(description).isEmpty();
  }

  @Property
  void everyWrittenKeyParsesBackToItself(
      @ForAll("namespaces") String namespace,
      @ForAll("routes") String route,
      @ForAll("params") Map<String, String> params) {
    CacheKey written = new CacheKey(namespace, route, params);

    Optional<CacheKey> parsed = CacheKey.parse(written.redisKey());

    assertThat(parsed).contains(written);
    assertThat(parsed.orElseThrow().namespace()).isEqualTo(namespace);
    assertThat(parsed.orElseThrow().route()).isEqualTo(route);
    assertThat(parsed.orElseThrow().redisKey()).isEqualTo(written.redisKey());
  }

  /** What {@code CACHE_KEY_PREFIX} accepts. */
  @Provide
  Arbitrary<String> namespaces() {
    return Arbitraries.strings()
        .withCharRange('a', 'z')
        .withCharRange('A', 'Z')
        .withCharRange('0', '9')
        .withChars("._-")
        .ofMinLength(1)
        .ofMaxLength(20);
  }

  /** What a route's name may be. */
  @Provide
  Arbitrary<String> routes() {
    return Arbitraries.strings()
        .withCharRange('a', 'z')
        .withCharRange('0', '9')
        .withChars("_-")
        .ofMinLength(1)
        .ofMaxLength(40)
        .filter(name -> Character.isLetterOrDigit(name.charAt(0)));
  }

  /** Names and values of any text without lone surrogates, biased towards separators. */
  @Provide
  Arbitrary<Map<String, String>> params() {
    Arbitrary<String> separators =
        Arbitraries.strings().withChars("aZ09&=:{}+% .*~é").ofMinLength(1).ofMaxLength(12);
    Arbitrary<String> unicode =
        Arbitraries.integers()
            .between(0x20, Character.MAX_CODE_POINT)
            .filter(cp -> cp < Character.MIN_SURROGATE || cp > Character.MAX_SURROGATE)
            .map(cp -> new String(Character.toChars(cp)))
            .list()
            .ofMinSize(1)
            .ofMaxSize(80)
            .map(parts -> String.join("", parts));
    Arbitrary<String> text = Arbitraries.oneOf(separators, unicode);
    return Arbitraries.maps(text, text).ofMaxSize(4);
  }
}
