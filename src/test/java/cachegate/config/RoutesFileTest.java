package cachegate.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import cachegate.engine.CacheKey;
import cachegate.engine.CachePolicy;
import cachegate.engine.InvalidRequestException;
import cachegate.engine.Route;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class RoutesFileTest {
  private static final CachePolicy DEFAULTS =
      new CachePolicy(
          Duration.ofSeconds(500),
          Duration.ofSeconds(60),
          Duration.ofDays(1),
          0.05,
          CachePolicy.DEFAULT_MAX_ENTRY_BYTES);
  private static final UpstreamConfig UPSTREAM_DEFAULTS =
      new UpstreamConfig(Duration.ofSeconds(10), 32, 256, Duration.ofSeconds(4));
  private static final Path EXAMPLE = Path.of("examples/routes.yml");

  /** The variables the example's keyed routes read, as a user of those APIs sets them. */
  private static final SecretSources EXAMPLE_SECRETS =
      new SecretSources(
          Map.of("GITHUB_TOKEN", "ghp_example-token", "OPENWEATHER_API_KEY", "owm-example-key"),
          path -> {
            throw new java.io.IOException("no file");
          });

  @Test
  void theShippedExampleWritesOutTheBuiltInUniversitiesRouteExactly() throws IOException {
    List<RouteConfig> routes = example();

    RouteConfig universities = routes.get(0);
    assertThat(universities.route())
        .isEqualTo(Routes.universities(Routes.DEFAULT_UNIVERSITIES_URL));
    assertThat(universities)
        .as("the route served when CACHEGATE_ROUTES is unset")
        .isEqualTo(ConfigLoader.from(Map.of()).routes().get(0));
  }

  @Test
  void theShippedExampleHasFiveMoreRoutesForOtherPublicApis() throws IOException {
    List<RouteConfig> routes = example();

    assertThat(routes)
        .extracting(r -> r.route().name() + " " + r.route().path() + " " + r.route().upstream())
        .containsExactly(
            "universities /universities http://universities.hipolabs.com/search",
            "postcodes /postcodes https://api.zippopotam.us/{country}/{code}",
            "weather /weather https://api.open-meteo.com/v1/forecast",
            "github-repos /github/repos https://api.github.com/repos/{owner}/{repo}",
            "openweather /openweather https://api.openweathermap.org/data/2.5/weather",
            "github-my-repos /github/me/repos https://api.github.com/user/repos");
    RouteConfig postcodes = routes.get(1);
    assertThat(postcodes.policy().ttl()).isEqualTo(Duration.ofDays(1));
    assertThat(postcodes.policy().staleIfError()).isEqualTo(Duration.ofDays(7));
    assertThat(postcodes.upstream())
        .isEqualTo(new UpstreamConfig(Duration.ofSeconds(5), 8, 256, Duration.ofSeconds(1)));
    RouteConfig weather = routes.get(2);
    assertThat(weather.policy().staleWhileRevalidate()).isEqualTo(Duration.ofMinutes(10));
    assertThat(weather.policy().maxEntryBytes()).isEqualTo(65_536);
    assertThat(weather.upstream().maxQueue()).isEqualTo(64);
    Route mine = routes.get(5).route();
    assertThat(mine.varyHeaders()).containsExactly("Authorization");
    assertThat(mine.forwardHeaders()).containsExactly("Authorization");
  }

  @Test
  void theExamplesPostcodeRouteFillsItsUpstreamPathFromTheQuery() throws IOException {
    Route postcodes = example().get(1).route();

    CacheKey key =
        postcodes.key("cachegate", Map.of("country", List.of("DE"), "code", List.of(" 10115 ")));

    assertThat(postcodes.upstream().expand(key.params()))
        .isEqualTo("https://api.zippopotam.us/de/10115");
    assertThat(key.redisKey()).isEqualTo("cachegate:v2:{postcodes:code=10115&country=de}");
  }

  @Test
  void theExamplesWeatherRouteKeysNumbersCanonicallyAndAppliesTheDefault() throws IOException {
    Route weather = example().get(2).route();

    CacheKey given =
        weather.key(
            "cachegate",
            Map.of(
                "latitude", List.of("52.520"),
                "longitude", List.of("013.41"),
                "current", List.of("temperature_2m,wind_speed_10m")));
    CacheKey defaulted =
        weather.key(
            "cachegate", Map.of("latitude", List.of("52.52"), "longitude", List.of("13.410")));

    assertThat(defaulted).isEqualTo(given);
    assertThat(weather.upstream().expand(defaulted.params()))
        .isEqualTo(
            "https://api.open-meteo.com/v1/forecast?current=temperature_2m%2Cwind_speed_10m"
                + "&latitude=52.52&longitude=13.41");
    assertThat(catchThrowable(() -> weather.key("cachegate", Map.of("latitude", List.of("1")))))
        .isInstanceOf(InvalidRequestException.class)
        .hasMessageContaining("'longitude' is required");
  }

  @Test
  void settingsARouteLeavesOutComeFromTheDefaults() {
    List<RouteConfig> routes =
        parse(
            """
            routes:
              - name: things
                path: /things
                upstream: http://127.0.0.1:9/things
            """);

    RouteConfig things = routes.get(0);
    assertThat(things.policy()).isEqualTo(DEFAULTS);
    assertThat(things.upstream()).isEqualTo(UPSTREAM_DEFAULTS);
    assertThat(things.route().params()).isEmpty();
  }

  @Test
  void aRouteMayTakeItsTtlFromTheUpstreamAndAskForIdentity() {
    RouteConfig route =
        parse(
                """
                routes:
                  - name: things
                    path: /things
                    upstream: http://127.0.0.1:9/things
                    ttlFrom: upstream
                    maxTtl: 5m
                    upstreamEncoding: identity
                """)
            .get(0);

    assertThat(route.policy().ttlFrom()).isEqualTo(CachePolicy.TtlFrom.UPSTREAM);
    assertThat(route.policy().maxTtl()).isEqualTo(Duration.ofMinutes(5));
    assertThat(route.policy().longestTtlFor(200)).contains(Duration.ofMinutes(5));
    assertThat(route.upstream().encoding()).isEqualTo(UpstreamConfig.Encoding.IDENTITY);
    assertThat(DEFAULTS.ttlFrom()).isEqualTo(CachePolicy.TtlFrom.ROUTE);
    assertThat(UPSTREAM_DEFAULTS.encoding()).isEqualTo(UpstreamConfig.Encoding.GZIP);
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(
      delimiter = '|',
      value = {
        "ttlFrom: origin | line 5: route 'things': ttlFrom must be route or upstream, was 'origin'",
        "maxTtl: 0 | line 5: route 'things'",
        "upstreamEncoding: br"
            + " | line 5: route 'things': upstreamEncoding must be gzip or identity, was 'br'",
        "upstreamPrivate: ignore"
            + " | line 5: route 'things': upstreamPrivate must be refuse or store, was 'ignore'",
        "upstreamPrivate: true"
            + " | line 5: route 'things': upstreamPrivate must be refuse or store, was 'true'",
      })
  void aBadFreshnessOrEncodingFieldIsRefused(String field, String expected) {
    Throwable refusal =
        catchThrowable(
            () ->
                parse(
                    "routes:\n  - name: things\n    path: /things\n"
                        + "    upstream: http://127.0.0.1:9/things\n    "
                        + field
                        + "\n"));

    assertThat(refusal).isInstanceOf(ConfigException.class).hasMessageContaining(expected);
  }

  @Test
  void aRouteMayStoreAnswersTheUpstreamMarksPrivateAndRefusesThemByDefault() {
    List<RouteConfig> routes =
        parse(
            """
            routes:
              - name: repos
                path: /repos
                upstream: http://127.0.0.1:9/repos
                upstreamPrivate: store
              - name: things
                path: /things
                upstream: http://127.0.0.1:9/things
                upstreamPrivate: refuse
              - name: others
                path: /others
                upstream: http://127.0.0.1:9/others
            """);

    assertThat(routes)
        .extracting(route -> route.policy().upstreamPrivate())
        .containsExactly(
            CachePolicy.UpstreamPrivate.STORE,
            CachePolicy.UpstreamPrivate.REFUSE,
            CachePolicy.UpstreamPrivate.REFUSE);
    assertThat(DEFAULTS.upstreamPrivate()).isEqualTo(CachePolicy.UpstreamPrivate.REFUSE);
  }

  @Test
  void durationsTakeSecondsOrAUnit() {
    RouteConfig route =
        parse(
                """
                routes:
                  - name: things
                    path: /things
                    upstream: http://127.0.0.1:9/things
                    ttl: 1.5
                    staleWhileRevalidate: 0
                    staleIfError: 250ms
                    upstreamTimeout: 2s
                """)
            .get(0);

    assertThat(route.policy().ttl()).isEqualTo(Duration.ofMillis(1500));
    assertThat(route.policy().staleWhileRevalidate()).isZero();
    assertThat(route.policy().staleIfError()).isEqualTo(Duration.ofMillis(250));
    assertThat(route.upstream().timeout()).isEqualTo(Duration.ofSeconds(2));
  }

  @Test
  void aRouteDurationFarLongerThanMakesSenseIsReadButWarnedAboutNamingTheFileAndLine() {
    List<String> warnings = new ArrayList<>();

    RouteConfig route =
        RoutesFile.parse(
                "routes.yml",
                """
                routes:
                  - name: things
                    path: /things
                    upstream: http://127.0.0.1:9/things
                    ttl: 5m
                    upstreamTimeout: 600
                    params:
                      q: {}
                """,
                DEFAULTS,
                UPSTREAM_DEFAULTS,
                warnings::add)
            .get(0);

    assertThat(route.upstream().timeout()).isEqualTo(Duration.ofMinutes(10));
    assertThat(warnings)
        .containsExactly(
            "routes.yml line 6: route 'things': upstreamTimeout 600 is read as 600 seconds (10m),"
                + " more than the 5m that makes sense for it: a number without a unit is seconds;"
                + " for milliseconds write 600ms");
  }

  @Test
  void aValueThatLooksLikeABooleanOrNumberInYamlStaysTheTextWritten() {
    Route route =
        parse(
                """
                routes:
                  - name: countries
                    path: /countries
                    upstream: http://127.0.0.1:9/countries
                    params:
                      code: {default: NO}
                """)
            .get(0)
            .route();

    assertThat(route.key("ns", Map.of()).params()).containsEntry("code", "NO");
  }

  @Test
  void aRouteVariesByTheHeadersItListsAndForwardsThoseItNames() {
    RouteConfig route =
        parse(
                """
                routes:
                  - name: me
                    path: /me
                    upstream: https://api.example.com/user
                    varyHeaders: [Authorization, Accept-Language]
                    forwardHeaders: [authorization]
                """)
            .get(0);

    assertThat(route.route().varyHeaders()).containsExactly("Authorization", "Accept-Language");
    assertThat(route.route().forwardHeaders()).containsExactly("authorization");
    CacheKey alice =
        route
            .route()
            .key(
                "ns",
                Map.of(),
                name -> name.equals("Authorization") ? List.of("Bearer alice") : List.of());
    assertThat(alice.forwardedHeaders())
        .containsExactly(Map.entry("authorization", "Bearer alice"));
    assertThat(alice.variant()).containsEntry("accept-language", CacheKey.MISSING_HEADER);
  }

  @Test
  void aRouteWithoutVaryHeadersVariesByNone() {
    RouteConfig route = parse("routes:\n  - {name: a, path: /a, upstream: 'http://h/a'}\n").get(0);

    assertThat(route.route().varies()).isFalse();
    assertThat(route.route().forwardHeaders()).isEmpty();
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(
      delimiter = '|',
      quoteCharacter = '"',
      value = {
        "unknown route field | routes:\\n  - name: a\\n    path: /a\\n    upstream: http://h/a\\n    tll: 30"
            + " | line 5: route 'a': unknown field 'tll'",
        "unknown param field | routes:\\n  - name: a\\n    path: /a\\n    upstream: http://h/a\\n    params:\\n"
            + "      q: {type: string, lowercse: true} | line 6: route 'a': parameter 'q': unknown field"
            + " 'lowercse'",
        "unknown type | routes:\\n  - name: a\\n    path: /a\\n    upstream: http://h/a\\n    params:\\n"
            + "      q: {type: text} | line 6: route 'a': parameter 'q': type must be string, integer or"
            + " number, was 'text'",
        "missing path | routes:\\n  - name: a\\n    upstream: http://h/a | line 2: a route must have 'path'",
        "reserved path | routes:\\n  - name: a\\n    path: /metrics\\n    upstream: http://h/a"
            + " | line 3: route 'a': path /metrics is cachegate's own",
        "bad path | routes:\\n  - name: a\\n    path: a b\\n    upstream: http://h/a"
            + " | line 2: route 'a': route path must be",
        "bad name | routes:\\n  - name: A B\\n    path: /a\\n    upstream: http://h/a"
            + " | line 2: route 'A B': route name must be",
        "two routes named alike | routes:\\n  - {name: a, path: /a, upstream: 'http://h/a'}\\n"
            + "  - {name: a, path: /b, upstream: 'http://h/b'} | line 3: two routes are named 'a'",
        "two routes on one path | routes:\\n  - {name: a, path: /a, upstream: 'http://h/a'}\\n"
            + "  - {name: b, path: /a, upstream: 'http://h/b'} | line 3: two routes serve the path /a",
        "non-http upstream | routes:\\n  - name: a\\n    path: /a\\n    upstream: ftp://h/a"
            + " | line 4: route 'a': the upstream URL must be an absolute http or https URL",
        "placeholder not a parameter | routes:\\n  - name: a\\n    path: /a\\n    upstream: http://h/{id}"
            + " | line 2: route 'a': the upstream URL uses {id}, which is not a parameter",
        "optional placeholder | routes:\\n  - name: a\\n    path: /a\\n    upstream: http://h/{id}\\n"
            + "    params:\\n      id: {} | line 2: route 'a': parameter 'id' fills the upstream URL,"
            + " so it must be required or have a default",
        "placeholder in host | routes:\\n  - name: a\\n    path: /a\\n    upstream: http://{host}/a\\n"
            + "    params:\\n      host: {required: true} | line 4: route 'a': placeholders may stand"
            + " only in the path",
        "bad duration | routes:\\n  - name: a\\n    path: /a\\n    upstream: http://h/a\\n    ttl: soon"
            + " | line 5: route 'a': ttl must be a number of seconds",
        "zero ttl | routes:\\n  - name: a\\n    path: /a\\n    upstream: http://h/a\\n    ttl: 0"
            + " | line 5: route 'a': ttl must be positive",
        "zero concurrency | routes:\\n  - name: a\\n    path: /a\\n    upstream: http://h/a\\n"
            + "    upstreamConcurrency: 0 | line 5: route 'a': upstreamConcurrency must be an integer"
            + " from 1 to 10000, was '0'",
        "fractional keep-alive | routes:\\n  - name: a\\n    path: /a\\n    upstream: http://h/a\\n"
            + "    upstreamKeepAlive: 1.5 | line 5: route 'a': upstreamKeepAlive must be whole seconds,"
            + " was '1.5'",
        "bad boolean | routes:\\n  - name: a\\n    path: /a\\n    upstream: http://h/a\\n    params:\\n"
            + "      q: {required: yes} | line 6: route 'a': parameter 'q': required must be true or"
            + " false, was 'yes'",
        "bounds on a string | routes:\\n  - name: a\\n    path: /a\\n    upstream: http://h/a\\n"
            + "    params:\\n      q: {min: 1} | line 6: route 'a': parameter 'q': min applies to"
            + " integers only",
        "default outside the bounds | routes:\\n  - name: a\\n    path: /a\\n    upstream: http://h/a\\n"
            + "    params:\\n      n: {type: integer, max: 10, default: 11} | line 6: route 'a':"
            + " parameter 'n': parameter 'n' must be at most 10, was '11'",
        "requireOneOf names a stranger | routes:\\n  - name: a\\n    path: /a\\n"
            + "    upstream: http://h/a\\n    requireOneOf: [q] | line 2: route 'a': requireOneOf names"
            + " 'q'",
        "routes not a list | routes: 3 | line 1: 'routes' must be a list of at least one route",
        "no routes | other: 1 | line 1: the file: unknown field 'other'",
        "broken YAML | routes:\\n  - name: [a | line 2: not valid YAML",
        "forwarded but not varied | routes:\\n  - name: a\\n    path: /a\\n    upstream: http://h/a\\n"
            + "    varyHeaders: [X-Tenant]\\n    forwardHeaders:\\n      - Authorization"
            + " | line 7: route 'a': forwardHeaders 'Authorization' is not in varyHeaders",
        "forwarded and configured | routes:\\n  - name: a\\n    path: /a\\n    upstream: http://h/a\\n"
            + "    varyHeaders: [authorization]\\n    forwardHeaders: [authorization]\\n"
            + "    upstreamHeaders:\\n      Authorization: Bearer ours"
            + " | line 6: route 'a': forwardHeaders 'authorization' is also sent by cachegate",
        "forwarding the default User-Agent | routes:\\n  - name: a\\n    path: /a\\n"
            + "    upstream: http://h/a\\n    varyHeaders: [User-Agent]\\n    forwardHeaders: [User-Agent]"
            + " | line 6: route 'a': forwardHeaders 'User-Agent' is also sent by cachegate",
        "forwarding Accept | routes:\\n  - name: a\\n    path: /a\\n    upstream: http://h/a\\n"
            + "    varyHeaders: [Accept]\\n    forwardHeaders: [Accept]"
            + " | line 6: route 'a': forwardHeaders 'Accept': cachegate sets it",
        "too many vary headers | routes:\\n  - name: a\\n    path: /a\\n    upstream: http://h/a\\n"
            + "    varyHeaders: [A, B, C, D, E, F, G, H, I]"
            + " | line 5: route 'a': varyHeaders may list at most 8 headers, was 9",
        "varying by a header cachegate handles | routes:\\n  - name: a\\n    path: /a\\n"
            + "    upstream: http://h/a\\n    varyHeaders:\\n      - Accept-Encoding"
            + " | line 6: route 'a': varyHeaders 'Accept-Encoding': cachegate handles this header",
        "a header name with a space | routes:\\n  - name: a\\n    path: /a\\n    upstream: http://h/a\\n"
            + "    varyHeaders: ['X Y'] | line 5: route 'a': varyHeaders 'X Y' must be 1 to 64 letters",
        "a vary header listed twice | routes:\\n  - name: a\\n    path: /a\\n    upstream: http://h/a\\n"
            + "    varyHeaders:\\n      - X-Tenant\\n      - x-tenant"
            + " | line 7: route 'a': varyHeaders lists 'x-tenant' twice",
        "vary headers not a list | routes:\\n  - name: a\\n    path: /a\\n    upstream: http://h/a\\n"
            + "    varyHeaders: Authorization | line 5: route 'a': varyHeaders must be a list",
        "duplicate field | routes:\\n  - name: a\\n    name: b\\n    path: /a\\n    upstream: http://h/a"
            + " | line 3: route 'a': field 'name' is given twice",
      })
  void aBadFileIsRefusedNamingTheFileTheLineAndTheProblem(
      String description, String text, String expected) {
    Throwable refusal = catchThrowable(() -> parse(text.replace("\\n", "\n")));

    assertThat(refusal)
        .as(description)
        .isInstanceOf(ConfigException.class)
        .hasMessageStartingWith("routes.yml ")
        .hasMessageContaining(expected);
  }

  @Test
  void anEmptyFileIsRefused() {
    assertThat(catchThrowable(() -> parse("# nothing\n")))
        .isInstanceOf(ConfigException.class)
        .hasMessage("routes.yml: the file is empty; it must list 'routes'");
  }

  @Test
  void aYamlTagNamingAJavaTypeIsRefused() {
    Throwable refusal =
        catchThrowable(
            () ->
                parse(
                    """
                    routes:
                      - !!javax.script.ScriptEngineManager [!!java.net.URLClassLoader [[]]]
                    """));

    assertThat(refusal)
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("line 2: not valid YAML: Global tag is not allowed");
  }

  @Test
  void aRouteNamesTheStatusesItCachesWithTheirTtlsAndOthersTakeTheDefault() {
    List<RouteConfig> routes =
        parse(
            """
            routes:
              - name: a
                path: /a
                upstream: http://127.0.0.1:9/a
                params: {q: {}}
                cacheStatuses: {404: 5m, 410: 1h, 422: 30}
              - name: b
                path: /b
                upstream: http://127.0.0.1:9/b
                params: {q: {}}
                cacheStatuses: {}
              - name: c
                path: /c
                upstream: http://127.0.0.1:9/c
                params: {q: {}}
            """);

    assertThat(routes.get(0).policy().statusTtls())
        .isEqualTo(
            Map.of(
                404, Duration.ofMinutes(5), 410, Duration.ofHours(1), 422, Duration.ofSeconds(30)));
    assertThat(routes.get(1).policy().statusTtls()).isEmpty();
    assertThat(routes.get(2).policy().statusTtls()).isEqualTo(CachePolicy.DEFAULT_STATUS_TTLS);
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(
      delimiter = '|',
      value = {
        "{500: 60} | line 6: route 'a': cacheStatuses: status 500 cannot be cached: only 4xx other"
            + " than 408 and 429 can",
        "{429: 60} | status 429 cannot be cached",
        "{200: 60} | status 200 cannot be cached",
        "{abc: 60} | cacheStatuses: 'abc' is not an HTTP status",
        "{404: 0} | the ttl of status 404 must be positive",
        "{404: soon} | the ttl of status 404",
        "[404] | cacheStatuses must be a mapping",
      })
  void aWrongCachedStatusStopsTheStartNamingTheLineAndTheProblem(String value, String message) {
    String text =
        """
        routes:
          - name: a
            path: /a
            upstream: http://127.0.0.1:9/a
            params: {q: {}}
            cacheStatuses: %s
        """
            .formatted(value);

    Throwable refusal = catchThrowable(() -> parse(text));

    assertThat(refusal).isInstanceOf(ConfigException.class).hasMessageContaining(message);
  }

  @Test
  void theExamplesKeyedRoutesSendTheirKeysFromTheEnvironmentAsSecrets() throws IOException {
    List<RouteConfig> routes = example();

    UpstreamConfig github = routes.get(3).upstream();
    assertThat(github.headers())
        .contains(
            new UpstreamField("Authorization", "Bearer ghp_example-token", true),
            new UpstreamField("Accept", "application/vnd.github+json", false),
            UpstreamConfig.DEFAULT_USER_AGENT);
    assertThat(routes.get(4).upstream().query())
        .containsExactly(new UpstreamField("appid", "owm-example-key", true));
    assertThat(routes.toString()).doesNotContain("ghp_example-token", "owm-example-key");
    assertThat(routes.get(3).policy().statusTtls())
        .isEqualTo(Map.of(404, Duration.ofMinutes(5), 410, Duration.ofMinutes(5)));
    assertThat(routes)
        .extracting(r -> r.route().name() + " " + r.policy().upstreamPrivate())
        .contains("github-repos STORE", "github-my-repos STORE", "universities REFUSE");
  }

  @Test
  void theShippedExampleWithoutItsVariablesStopsNamingTheFirstMissingOne() throws IOException {
    String text = Files.readString(EXAMPLE);

    Throwable refusal =
        catchThrowable(
            () ->
                RoutesFile.parse(
                    "examples/routes.yml",
                    text,
                    DEFAULTS,
                    UPSTREAM_DEFAULTS,
                    warning -> {},
                    SecretSources.of(Map.of())));

    assertThat(refusal)
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("route 'github-repos': upstreamHeaders 'Authorization'")
        .hasMessageEndingWith("environment variable GITHUB_TOKEN is not set");
  }

  private static List<RouteConfig> example() throws IOException {
    return RoutesFile.parse(
        EXAMPLE.toString(),
        Files.readString(EXAMPLE),
        DEFAULTS,
        UPSTREAM_DEFAULTS,
        warning -> {},
        EXAMPLE_SECRETS);
  }

  private static List<RouteConfig> parse(String text) {
    return RoutesFile.parse("routes.yml", text, DEFAULTS, UPSTREAM_DEFAULTS);
  }
}
