package cachegate.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import cachegate.support.BuiltInRoute;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Function;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Assume;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

class RouteKeyTest {
  private static final String NAMESPACE = "cachegate";
  private static final Route UNIVERSITIES = BuiltInRoute.universities();
  private static final List<String> FILTERS = List.of("country", "name", "name_contains", "domain");

  @Test
  void keyNamesNamespaceVersionRouteAndNormalisedCountry() {
    Map<String, List<String>> query = Map.of("country", List.of("Germany"));

    CacheKey key = UNIVERSITIES.key(NAMESPACE, query);

    assertThat(key.redisKey()).isEqualTo("cachegate:v2:{universities:country=germany}");
    assertThat(forwarded(key)).isEqualTo("country=germany");
    assertThat(key.prefix()).isEqualTo("cachegate:v2:{universities:");
  }

  @Test
  void keyExposesItsNamespaceRouteAndSortedParameters() {
    Map<String, List<String>> query = Map.of("name", List.of("Tech"), "country", List.of("DE"));

    CacheKey key = UNIVERSITIES.key(NAMESPACE, query);

    assertThat(key.namespace()).isEqualTo(NAMESPACE);
    assertThat(key.route()).isEqualTo("universities");
    assertThat(key.params()).containsExactly(Map.entry("country", "de"), Map.entry("name", "tech"));
  }

  @Test
  void theParametersOfAKeyCannotBeModified() {
    CacheKey key = UNIVERSITIES.key(NAMESPACE, Map.of("country", List.of("germany")));

    Throwable error = catchThrowable(() -> key.params().put("country", "france"));

    assertThat(error).isInstanceOf(UnsupportedOperationException.class);
    assertThat(key.redisKey()).isEqualTo("cachegate:v2:{universities:country=germany}");
  }

  @Test
  void changingTheMapAKeyWasBuiltFromDoesNotChangeTheKey() {
    Map<String, String> params = new TreeMap<>(Map.of("country", "germany"));
    CacheKey key = new CacheKey(NAMESPACE, "universities", params);

    params.put("country", "france");

    assertThat(key.params()).containsExactly(Map.entry("country", "germany"));
    assertThat(key.redisKey()).isEqualTo("cachegate:v2:{universities:country=germany}");
  }

  @Test
  void theLeaseKeyLivesApartFromEntriesUnderTheSameNamespaceAndVersion() {
    CacheKey key = UNIVERSITIES.key(NAMESPACE, Map.of("country", List.of("Germany")));

    String leaseKey = key.leaseKey();

    assertThat(leaseKey).isEqualTo("cachegate:v2:lease:{universities:country=germany}");
    assertThat(leaseKey).doesNotStartWith(key.prefix());
  }

  @Test
  void keysWithTheSameRedisKeyAreEqualAndHashAlike() {
    CacheKey fromRoute = UNIVERSITIES.key(NAMESPACE, Map.of("country", List.of("Germany")));
    CacheKey built = new CacheKey(NAMESPACE, "universities", Map.of("country", "germany"));

    boolean equal = fromRoute.equals(built);

    assertThat(equal).isTrue();
    assertThat(fromRoute).hasSameHashCodeAs(built);
    assertThat(fromRoute).hasToString("cachegate:v2:{universities:country=germany}");
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource({
    "another namespace, other,     universities, germany",
    "another route,     cachegate, colleges,     germany",
    "another value,     cachegate, universities, france",
  })
  void keysDifferingInNamespaceRouteOrValueAreNotEqual(
      String description, String namespace, String route, String country) {
    CacheKey germany = new CacheKey(NAMESPACE, "universities", Map.of("country", "germany"));

    CacheKey other = new CacheKey(namespace, route, Map.of("country", country));

    assertThat(other).as(description).isNotEqualTo(germany);
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "germany",
        "Germany",
        "GERMANY",
        "gErMaNy",
        " germany",
        "germany\t",
        "  GERMANY \n"
      })
  void countryCaseAndSurroundingWhitespaceShareOneKey(String country) {
    Map<String, List<String>> query = Map.of("country", List.of(country));

    CacheKey key = UNIVERSITIES.key(NAMESPACE, query);

    assertThat(key.redisKey()).isEqualTo("cachegate:v2:{universities:country=germany}");
  }

  @Test
  void countryCaseAndParameterOrderShareOneKey() {
    Map<String, List<String>> nameFirst = new LinkedHashMap<>();
    nameFirst.put("name", List.of("Technical University"));
    nameFirst.put("country", List.of("GERMANY"));
    Map<String, List<String>> countryFirst = new LinkedHashMap<>();
    countryFirst.put("country", List.of("germany"));
    countryFirst.put("name", List.of("technical university"));

    CacheKey first = UNIVERSITIES.key(NAMESPACE, nameFirst);
    CacheKey second = UNIVERSITIES.key(NAMESPACE, countryFirst);

    assertThat(first).isEqualTo(second);
    assertThat(first.redisKey()).isEqualTo(second.redisKey());
  }

  @Test
  void unknownParametersAreNeitherKeyedNorForwarded() {
    Map<String, List<String>> query =
        Map.of(
            "country", List.of("Germany"),
            "callback", List.of("evil"),
            "utm_source", List.of("a", "b"));

    CacheKey key = UNIVERSITIES.key(NAMESPACE, query);

    assertThat(key.redisKey()).isEqualTo("cachegate:v2:{universities:country=germany}");
    assertThat(forwarded(key)).isEqualTo("country=germany");
    assertThat(key.params()).containsOnlyKeys("country");
  }

  @Test
  void parametersAreSortedByNameAndJoinedWithAmpersand() {
    Map<String, List<String>> query = new LinkedHashMap<>();
    query.put("offset", List.of("20"));
    query.put("name", List.of("Tech"));
    query.put("limit", List.of("10"));
    query.put("domain", List.of("EDU"));
    query.put("country", List.of("Germany"));
    query.put("name_contains", List.of("Uni"));

    CacheKey key = UNIVERSITIES.key(NAMESPACE, query);

    assertThat(key.redisKey())
        .isEqualTo(
            "cachegate:v2:{universities:"
                + "country=germany&domain=edu&limit=10&name=tech&name_contains=uni&offset=20}");
    assertThat(forwarded(key))
        .isEqualTo("country=germany&domain=edu&limit=10&name=tech&name_contains=uni&offset=20");
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "a&name=b       | country=a%26name%3Db",
        "a=b            | country=a%3Db",
        "a:b            | country=a%3Ab",
        "new york       | country=new+york",
        "a+b            | country=a%2Bb",
        "côte d'ivoire  | country=c%C3%B4te+d%27ivoire",
        "日本            | country=%E6%97%A5%E6%9C%AC",
        "100%           | country=100%25",
      })
  void separatorsSpacesAndNonAsciiInValuesAreEncoded(String country, String expectedParams) {
    Map<String, List<String>> query = Map.of("country", List.of(country));

    CacheKey key = UNIVERSITIES.key(NAMESPACE, query);

    assertThat(key.redisKey()).isEqualTo("cachegate:v2:{universities:" + expectedParams + "}");
    assertThat(forwarded(key)).isEqualTo(expectedParams);
  }

  @Test
  void anAmpersandInsideAValueCannotForgeASecondParameter() {
    Map<String, List<String>> forged = Map.of("country", List.of("a&name=b"));
    Map<String, List<String>> genuine = Map.of("country", List.of("a"), "name", List.of("b"));

    CacheKey forgedKey = UNIVERSITIES.key(NAMESPACE, forged);
    CacheKey genuineKey = UNIVERSITIES.key(NAMESPACE, genuine);

    assertThat(forgedKey.redisKey()).isNotEqualTo(genuineKey.redisKey());
    assertThat(forwarded(forgedKey)).isNotEqualTo(forwarded(genuineKey));
  }

  @Test
  void aValueEncodedToSixtyFourCharactersStaysReadable() {
    String value = "x".repeat(CacheKey.MAX_READABLE_VALUE_LENGTH);

    CacheKey key = UNIVERSITIES.key(NAMESPACE, Map.of("name", List.of(value)));

    assertThat(key.redisKey()).isEqualTo("cachegate:v2:{universities:name=" + value + "}");
  }

  @Test
  void aValueEncodedBeyondSixtyFourCharactersIsHashedInTheKeyButForwardedInFull() {
    String value = "x".repeat(CacheKey.MAX_READABLE_VALUE_LENGTH + 1);

    CacheKey key = UNIVERSITIES.key(NAMESPACE, Map.of("name", List.of(value)));

    assertThat(key.redisKey()).matches("cachegate:v2:\\{universities:name=sha256:[0-9a-f]{64}\\}");
    assertThat(forwarded(key)).isEqualTo("name=" + value);
  }

  @Test
  void aShortNonAsciiValueWhoseEncodingIsLongIsHashed() {
    String value = "é".repeat(11);

    CacheKey key = UNIVERSITIES.key(NAMESPACE, Map.of("name", List.of(value)));

    assertThat(key.redisKey()).matches("cachegate:v2:\\{universities:name=sha256:[0-9a-f]{64}\\}");
    assertThat(forwarded(key)).isEqualTo("name=" + "%C3%A9".repeat(11));
  }

  @Test
  void longValuesThatDifferOnlyInTheirLastCharacterHashDifferently() {
    String prefix = "x".repeat(100);

    CacheKey a = UNIVERSITIES.key(NAMESPACE, Map.of("name", List.of(prefix + "a")));
    CacheKey b = UNIVERSITIES.key(NAMESPACE, Map.of("name", List.of(prefix + "b")));

    assertThat(a.redisKey()).isNotEqualTo(b.redisKey());
  }

  @ParameterizedTest
  @CsvSource({"007, 7", "0, 0", "000, 0", "10, 10", "999999999, 999999999", "' 42 ', 42"})
  void limitAndOffsetDropLeadingZeros(String raw, String normalised) {
    Map<String, List<String>> query =
        Map.of("country", List.of("germany"), "limit", List.of(raw), "offset", List.of(raw));

    CacheKey key = UNIVERSITIES.key(NAMESPACE, query);

    assertThat(key.params()).containsEntry("limit", normalised);
    assertThat(key.params()).containsEntry("offset", normalised);
  }

  @Test
  void aValueOfTwoHundredCharactersIsAccepted() {
    String value = "x".repeat(200);

    CacheKey key = UNIVERSITIES.key(NAMESPACE, Map.of("name", List.of(value)));

    assertThat(key.params()).containsEntry("name", value);
  }

  static Stream<Arguments> refusedQueries() {
    return Stream.of(
        refused("no parameter at all", Map.of(), "country"),
        refused("only limit", Map.of("limit", List.of("10")), "country"),
        refused("only offset", Map.of("offset", List.of("3")), "domain"),
        refused("only unknown parameters", Map.of("unknown", List.of("x")), "name_contains"),
        refused("empty value", Map.of("country", List.of("")), "country"),
        refused("spaces only", Map.of("name", List.of("   ")), "name"),
        refused("tab and newline only", Map.of("domain", List.of("\t\n")), "domain"),
        refused("201 characters", Map.of("country", List.of("x".repeat(201))), "country"),
        refused("201 non-ASCII characters", Map.of("name", List.of("é".repeat(201))), "name"),
        refused("negative limit", withCountry("limit", "-1"), "limit"),
        refused("alphabetic limit", withCountry("limit", "abc"), "limit"),
        refused("fractional limit", withCountry("limit", "1.5"), "limit"),
        refused("ten-digit limit", withCountry("limit", "1234567890"), "limit"),
        refused("blank limit", withCountry("limit", " "), "limit"),
        refused("signed offset", withCountry("offset", "+1"), "offset"),
        refused("exponent offset", withCountry("offset", "1e3"), "offset"),
        refused("non-ASCII digit offset", withCountry("offset", "\u0663"), "offset"));
  }

  @ParameterizedTest(name = "{0} -> 400 naming {2}")
  @MethodSource("refusedQueries")
  void refusedQueriesThrowInvalidRequestNamingTheParameter(
      String description, Map<String, List<String>> query, String parameter) {
    Throwable refusal = catchThrowable(() -> UNIVERSITIES.key(NAMESPACE, query));

    assertThat(refusal)
        .as(description)
        .isInstanceOf(InvalidRequestException.class)
        .hasMessageContaining(parameter);
  }

  @ParameterizedTest
  @ValueSource(strings = {"country", "name", "name_contains", "domain", "limit", "offset"})
  void aParameterGivenTwiceIsRefused(String name) {
    Map<String, List<String>> query = new LinkedHashMap<>();
    query.put("country", List.of("germany"));
    query.put(name, List.of("1", "1"));

    Throwable refusal = catchThrowable(() -> UNIVERSITIES.key(NAMESPACE, query));

    assertThat(refusal)
        .isInstanceOf(InvalidRequestException.class)
        .hasMessageContaining("'" + name + "'");
  }

  /** A route in front of a per-user API: keyed by the caller's token and tenant. */
  private static final Route PER_USER =
      new Route(
          "user",
          "/user",
          UrlTemplate.parse("https://api.example.com/user"),
          List.of(
              new Route.Param(
                  "id",
                  Route.ParamType.INTEGER,
                  false,
                  10,
                  true,
                  "",
                  Long.MIN_VALUE,
                  Long.MAX_VALUE)),
          Set.of(),
          Route.UnknownParams.REJECT,
          List.of("Authorization", "X-Tenant"),
          Set.of("Authorization"));

  @Test
  void aVaryingRouteKeysTheHashOfEachHeaderAndForwardsOnlyThoseItNames() {
    Map<String, List<String>> headers =
        Map.of(
            "authorization", List.of("Bearer alice"),
            "x-tenant", List.of("acme"),
            "x-other", List.of("ignored"));

    CacheKey key = PER_USER.key(NAMESPACE, Map.of("id", List.of("7")), headers(headers));

    assertThat(key.variant()).containsOnlyKeys("authorization", "x-tenant");
    assertThat(key.redisKey()).doesNotContain("alice", "acme", "ignored");
    assertThat(key.forwardedHeaders()).containsExactly(Map.entry("authorization", "Bearer alice"));
    assertThat(PER_USER.varies()).isTrue();
    assertThat(UNIVERSITIES.varies()).isFalse();
  }

  @Test
  void aRequestWithoutTheHeadersIsItsOwnVariant() {
    CacheKey without = PER_USER.key(NAMESPACE, Map.of("id", List.of("7")));
    CacheKey empty =
        PER_USER.key(
            NAMESPACE, Map.of("id", List.of("7")), headers(Map.of("authorization", List.of(""))));

    assertThat(without.variant())
        .containsExactly(
            Map.entry("authorization", CacheKey.MISSING_HEADER),
            Map.entry("x-tenant", CacheKey.MISSING_HEADER));
    assertThat(empty).isNotEqualTo(without);
  }

  @Test
  void aHeaderTheRouteVariesByGivenTwiceIsRefused() {
    Throwable refusal =
        catchThrowable(
            () ->
                PER_USER.key(
                    NAMESPACE,
                    Map.of("id", List.of("7")),
                    headers(Map.of("authorization", List.of("Bearer a", "Bearer b")))));

    assertThat(refusal)
        .isInstanceOf(InvalidRequestException.class)
        .hasMessageContaining("'Authorization'")
        .hasMessageNotContaining("Bearer");
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("badHeaderLists")
  void aRouteRefusesHeaderListsThatCouldMixClients(
      String description, List<String> vary, java.util.Set<String> forward) {
    Throwable refusal =
        catchThrowable(
            () ->
                new Route(
                    "user",
                    "/user",
                    UrlTemplate.parse("https://api.example.com/user"),
                    List.of(),
                    Set.of(),
                    Route.UnknownParams.REJECT,
                    vary,
                    forward));

    assertThat(refusal).as(description).isInstanceOf(IllegalArgumentException.class);
  }

  static Stream<Arguments> badHeaderLists() {
    return Stream.of(
        Arguments.of(
            "a forwarded header the key does not vary by",
            List.of("X-Tenant"),
            Set.of("Authorization")),
        Arguments.of(
            "a header listed twice in other cases",
            List.of("Authorization", "authorization"),
            Set.of()),
        Arguments.of("a name with a separator", List.of("X|Y"), Set.of()),
        Arguments.of(
            "more headers than a key may vary by",
            Stream.iterate(1, i -> i + 1)
                .limit(Route.MAX_VARY_HEADERS + 1)
                .map(i -> "X-H" + i)
                .toList(),
            Set.of()));
  }

  @Property
  void twoRequestsShareAnEntryExactlyWhenTheirVariedHeadersAgree(
      @ForAll("headerSets") Map<String, List<String>> first,
      @ForAll("headerSets") Map<String, List<String>> second) {
    Map<String, List<String>> query = Map.of("id", List.of("7"));

    CacheKey a = PER_USER.key(NAMESPACE, query, headers(first));
    CacheKey b = PER_USER.key(NAMESPACE, query, headers(second));

    assertThat(a.equals(b))
        .as("%s and %s", first, second)
        .isEqualTo(varied(first).equals(varied(second)));
    assertThat(a.forwardedHeaders())
        .isEqualTo(
            varied(first).entrySet().stream()
                .filter(e -> e.getKey().equals("authorization"))
                .collect(Collectors.toMap(Map.Entry::getKey, Map.Entry::getValue)));
  }

  /**
   * Request headers, named in any case: the two the route varies by, each missing, empty or one of
   * a few values, and one it does not.
   */
  @Provide
  Arbitrary<Map<String, List<String>>> headerSets() {
    Arbitrary<String> names =
        Arbitraries.of(
            "Authorization", "authorization", "AUTHORIZATION", "X-Tenant", "x-tenant", "X-Other");
    Arbitrary<List<String>> values =
        Arbitraries.of("", "Bearer alice", "Bearer bob", "bearer alice", "acme", " acme")
            .map(List::of);
    return Arbitraries.maps(names, values)
        .ofMaxSize(4)
        .filter(
            headers ->
                headers.keySet().stream().map(n -> n.toLowerCase(Locale.ROOT)).distinct().count()
                    == headers.size());
  }

  /** The values of the headers {@link #PER_USER} varies by, by lower-case name. */
  private static Map<String, String> varied(Map<String, List<String>> headers) {
    Map<String, String> varied = new TreeMap<>();
    headers.forEach(
        (name, values) -> {
          String lower = name.toLowerCase(Locale.ROOT);
          if (lower.equals("authorization") || lower.equals("x-tenant")) {
            varied.put(lower, values.get(0));
          }
        });
    return varied;
  }

  /** Headers looked up ignoring case, as the HTTP server's are. */
  private static Function<String, List<String>> headers(Map<String, List<String>> given) {
    return name ->
        given.entrySet().stream()
            .filter(header -> header.getKey().equalsIgnoreCase(name))
            .flatMap(header -> header.getValue().stream())
            .toList();
  }

  @Property
  void queriesDifferingOnlyInCaseOrderAndSurroundingWhitespaceShareOneKey(
      @ForAll("filters") Map<String, String> filters, @ForAll Random random) {
    Map<String, List<String>> original = new LinkedHashMap<>();
    filters.forEach((name, value) -> original.put(name, List.of(value)));
    Map<String, List<String>> variant = variantOf(filters, random);

    CacheKey originalKey = UNIVERSITIES.key(NAMESPACE, original);
    CacheKey variantKey = UNIVERSITIES.key(NAMESPACE, variant);

    assertThat(variantKey.redisKey()).isEqualTo(originalKey.redisKey());
    assertThat(forwarded(variantKey)).isEqualTo(forwarded(originalKey));
  }

  @Property
  void distinctNormalisedValuesNeverShareARedisKey(
      @ForAll("anyFilters") Map<String, String> first,
      @ForAll("anyFilters") Map<String, String> second) {
    CacheKey a = UNIVERSITIES.key(NAMESPACE, single(first));
    CacheKey b = UNIVERSITIES.key(NAMESPACE, single(second));
    Assume.that(!a.params().equals(b.params()));

    String aKey = a.redisKey();
    String bKey = b.redisKey();

    assertThat(aKey).isNotEqualTo(bKey);
  }

  @Property
  void appendingACharacterAlwaysChangesTheRedisKey(@ForAll("anyValue") String value) {
    String longer = value + "a";

    CacheKey a = UNIVERSITIES.key(NAMESPACE, Map.of("name", List.of(value)));
    CacheKey b = UNIVERSITIES.key(NAMESPACE, Map.of("name", List.of(longer)));

    assertThat(a.redisKey()).isNotEqualTo(b.redisKey());
  }

  @Provide
  Arbitrary<Map<String, String>> filters() {
    Arbitrary<String> value =
        Arbitraries.strings()
            .withCharRange('a', 'z')
            .withCharRange('A', 'Z')
            .withCharRange('0', '9')
            .withChars(" éÉøØ-.'&=:+%")
            .ofMinLength(1)
            .ofMaxLength(80)
            .filter(v -> !v.isBlank());
    return Arbitraries.maps(Arbitraries.of(FILTERS), value).ofMinSize(1).ofMaxSize(4);
  }

  @Provide
  Arbitrary<Map<String, String>> anyFilters() {
    return Arbitraries.maps(Arbitraries.of(FILTERS), anyValue()).ofMinSize(1).ofMaxSize(4);
  }

  /**
   * Values a client can send: any Unicode text without lone surrogates (which a strict UTF-8 query
   * parser never produces), biased towards separators, near-duplicates and hash-length values.
   */
  @Provide
  Arbitrary<String> anyValue() {
    Arbitrary<String> separators =
        Arbitraries.strings().withChars("aA&=:+% é%2B").ofMinLength(1).ofMaxLength(12);
    Arbitrary<String> unicode =
        Arbitraries.integers()
            .between(0x20, Character.MAX_CODE_POINT)
            .filter(cp -> cp < Character.MIN_SURROGATE || cp > Character.MAX_SURROGATE)
            .map(cp -> new String(Character.toChars(cp)))
            .list()
            .ofMinSize(1)
            .ofMaxSize(80)
            .map(parts -> String.join("", parts));
    Arbitrary<String> nearHashLength =
        Arbitraries.strings().withChars("xX").ofMinLength(60).ofMaxLength(70);
    return Arbitraries.oneOf(separators, unicode, nearHashLength).filter(v -> !v.isBlank());
  }

  /** The same filters with each letter's case flipped at random, padding added, order shuffled. */
  private static Map<String, List<String>> variantOf(Map<String, String> filters, Random random) {
    List<String> names = new ArrayList<>(filters.keySet());
    Collections.shuffle(names, random);
    Map<String, List<String>> variant = new LinkedHashMap<>();
    for (String name : names) {
      String value =
          filters
              .get(name)
              .chars()
              .mapToObj(c -> String.valueOf((char) c))
              .map(
                  c ->
                      random.nextBoolean()
                          ? c.toUpperCase(Locale.ROOT)
                          : c.toLowerCase(Locale.ROOT))
              .collect(Collectors.joining());
      variant.put(name, List.of(padding(random) + value + padding(random)));
    }
    return variant;
  }

  private static String padding(Random random) {
    String[] blanks = {"", " ", "\t", "  ", "\n", " \t "};
    return blanks[random.nextInt(blanks.length)];
  }

  private static Map<String, List<String>> single(Map<String, String> values) {
    Map<String, List<String>> query = new LinkedHashMap<>();
    values.forEach((name, value) -> query.put(name, List.of(value)));
    return query;
  }

  private static Arguments refused(
      String description, Map<String, List<String>> query, String parameter) {
    return Arguments.of(description, query, parameter);
  }

  private static Map<String, List<String>> withCountry(String name, String value) {
    return Map.of("country", List.of("germany"), name, List.of(value));
  }

  /** The query string cachegate sends upstream for {@code key}. */
  private static String forwarded(CacheKey key) {
    String url = UNIVERSITIES.upstream().expand(key.params());
    return url.substring(url.indexOf('?') + 1);
  }
}
