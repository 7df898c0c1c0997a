package cachegate.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
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

  @Test
  void aVariantHoldsHashesOfTheHeaderValuesNeverTheValues() {
    CacheKey key = varied(Map.of("authorization", "Bearer alice-secret-token"));

    assertThat(key.redisKey())
        .matches("cachegate:v2:\\{user:id=7\\|authorization=[0-9a-f]{32}&x-tenant=-}")
        .doesNotContain("alice", "secret", "Bearer");
    assertThat(key.toString()).isEqualTo(key.redisKey());
    assertThat(key.variant()).containsEntry("x-tenant", CacheKey.MISSING_HEADER).hasSize(2);
    assertThat(key.forwardedHeaders())
        .containsExactly(Map.entry("authorization", "Bearer alice-secret-token"));
  }

  @Test
  void aMissingHeaderAnEmptyOneAndEachValueAreDistinctVariants() {
    CacheKey missing = varied(Map.of());
    CacheKey empty = varied(Map.of("authorization", ""));
    CacheKey alice = varied(Map.of("authorization", "alice"));
    CacheKey bob = varied(Map.of("authorization", "bob"));

    assertThat(Set.of(missing.redisKey(), empty.redisKey(), alice.redisKey(), bob.redisKey()))
        .hasSize(4);
    assertThat(varied(Map.of("authorization", "alice"))).isEqualTo(alice);
    assertThat(missing.forwardedHeaders()).isEmpty();
    assertThat(empty.forwardedHeaders()).containsExactly(Map.entry("authorization", ""));
  }

  @Test
  void equalValuesOfTwoHeadersHashDifferently() {
    CacheKey key = varied(Map.of("authorization", "same", "x-tenant", "same"));

    assertThat(key.variant().get("authorization")).isNotEqualTo(key.variant().get("x-tenant"));
  }

  @Test
  void aParsedVariantKeyEqualsTheKeyButHoldsNoHeaderValues() {
    CacheKey written = varied(Map.of("authorization", "Bearer alice", "x-tenant", "acme"));

    CacheKey parsed = CacheKey.parse(written.redisKey()).orElseThrow();

    assertThat(parsed).isEqualTo(written);
    assertThat(parsed.variant()).isEqualTo(written.variant());
    assertThat(parsed.params()).isEqualTo(written.params());
    assertThat(parsed.forwardedHeaders()).isEmpty();
  }

  @Test
  void theVariantsPrefixCoversEveryVariantOfTheParametersAndNoOtherParameters() {
    CacheKey alice = varied(Map.of("authorization", "alice"));
    CacheKey other =
        new CacheKey(
            "cachegate",
            "user",
            Map.of("id", "70"),
            List.of("authorization", "x-tenant"),
            Map.of("authorization", "alice"),
            Set.of());

    assertThat(alice.variantsPrefix()).isEqualTo("cachegate:v2:{user:id=7|");
    assertThat(varied(Map.of()).redisKey()).startsWith(alice.variantsPrefix());
    assertThat(other.redisKey()).doesNotStartWith(alice.variantsPrefix());
    assertThat(alice.redisKey()).startsWith(alice.prefix());
    CacheKey plain = new CacheKey("cachegate", "user", Map.of("id", "7"));
    assertThat(plain.variantsPrefix()).isEqualTo(plain.redisKey());
  }

  @Test
  void onlyHeadersTheKeyVariesByMayBeForwarded() {
    Throwable refusal =
        catchThrowable(
            () ->
                new CacheKey(
                    "cachegate",
                    "user",
                    Map.of(),
                    List.of("x-tenant"),
                    Map.of("authorization", "alice"),
                    Set.of("authorization")));

    assertThat(refusal).isInstanceOf(IllegalArgumentException.class);
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
        "an empty variant               | cachegate:v2:{user:id=7|}",
        "a variant value that is no hash | cachegate:v2:{user:id=7|authorization=alice}",
        "a full-length header hash      | cachegate:v2:{user:id=7|authorization="
            + "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef}",
        "an upper-case header name      | cachegate:v2:{user:id=7|Authorization=-}",
        "variant headers out of order   | cachegate:v2:{user:id=7|x-tenant=-&authorization=-}",
        "two variants                   | cachegate:v2:{user:id=7|a=-|b=-}",
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

  @Property
  void everyWrittenVariantKeyParsesBackToItselfAndDiffersForOtherHeaderValues(
      @ForAll("params") Map<String, String> params,
      @ForAll("headerSets") Map<String, String> first,
      @ForAll("headerSets") Map<String, String> second) {
    List<String> vary = List.of("accept-language", "authorization", "x-api-key");
    CacheKey a = new CacheKey("cachegate", "user", params, vary, first, Set.of("authorization"));
    CacheKey b = new CacheKey("cachegate", "user", params, vary, second, Set.of("authorization"));

    assertThat(CacheKey.parse(a.redisKey())).contains(a);
    assertThat(a.equals(b)).isEqualTo(first.equals(second));
    assertThat(a.redisKey().substring(a.variantsPrefix().length()))
        .matches("([a-z-]+=([0-9a-f]{32}|-)&?){3}}");
  }

  /**
   * Values of the headers a key varies by, each missing, empty or one of a few values, some alike
   * but for case or whitespace (which are different variants), or anything.
   */
  @Provide
  Arbitrary<Map<String, String>> headerSets() {
    Arbitrary<String> values =
        Arbitraries.oneOf(
            Arbitraries.of("", " ", "Bearer alice", "Bearer Alice", "bearer alice", "de", "DE"),
            // A header value reaches cachegate as ISO-8859-1 characters.
            Arbitraries.strings().withCharRange(' ', '\u00ff').ofMaxLength(40));
    return Arbitraries.maps(Arbitraries.of("accept-language", "authorization", "x-api-key"), values)
        .ofMaxSize(3);
  }

  private static CacheKey varied(Map<String, String> headers) {
    return new CacheKey(
        "cachegate",
        "user",
        Map.of("id", "7"),
        List.of("authorization", "x-tenant"),
        headers,
        Set.of("authorization"));
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
