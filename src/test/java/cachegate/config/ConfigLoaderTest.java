package cachegate.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;

import cachegate.config.RedisConfig.Transport;
import cachegate.engine.CachePolicy;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class ConfigLoaderTest {
  private static final Map<String, Function<GatewayConfig, Duration>> DURATIONS =
      Map.of(
          "CACHE_REDIS_TIMEOUT", config -> config.redis().timeout(),
          "UNIVERSITIES_CACHE_TIMEOUT", config -> universities(config).ttl(),
          "UPSTREAM_TIMEOUT", config -> config.routes().get(0).upstream().timeout(),
          "CLIENT_HEADER_TIMEOUT", config -> config.server().headerTimeout(),
          "CLIENT_IDLE_TIMEOUT", config -> config.server().idleTimeout(),
          "CLIENT_SEND_TIMEOUT", config -> config.server().sendTimeout());

  private static final Map<String, Function<GatewayConfig, Duration>> WINDOWS =
      Map.of(
          "CACHE_STALE_WHILE_REVALIDATE", config -> universities(config).staleWhileRevalidate(),
          "CACHE_STALE_IF_ERROR", config -> universities(config).staleIfError());

  @Test
  void anEmptyEnvironmentGivesTheDocumentedDefaults() {
    Map<String, String> env = Map.of();

    GatewayConfig config = ConfigLoader.from(env);

    assertThat(config.server().port()).isEqualTo(5000);
    assertThat(config.cacheType()).isEqualTo(CacheType.SIMPLE);
    assertThat(config.cacheTypeReason()).contains("no cache configured");
    assertThat(config.redis().host()).isEqualTo("localhost");
    assertThat(config.redis().port()).isEqualTo(6379);
    assertThat(config.redis().database()).isZero();
    assertThat(config.redis().hasPassword()).isFalse();
    assertThat(config.redis().transport()).isEqualTo(Transport.PLAIN);
    assertThat(config.redis().timeout()).isEqualTo(Duration.ofMillis(100));
    assertThat(universities(config).ttl()).isEqualTo(Duration.ofSeconds(30));
    assertThat(config.keyPrefix()).isEqualTo("cachegate");
    assertThat(config.routes())
        .extracting(r -> r.route().upstream().toString())
        .containsExactly("http://universities.hipolabs.com/search");
    assertThat(config.routes().get(0).upstream().timeout()).isEqualTo(Duration.ofSeconds(10));
    assertThat(config.routesSource()).isEqualTo("built-in universities route");
    assertThat(config.localMaxBytes()).isEqualTo(40L * 1024 * 1024);
    assertThat(config.server().headerTimeout()).isEqualTo(Duration.ofSeconds(10));
    assertThat(config.server().idleTimeout()).isEqualTo(Duration.ofSeconds(75));
    assertThat(config.server().sendTimeout()).isEqualTo(Duration.ofSeconds(30));
    assertThat(config.server().maxConnections()).isEqualTo(2048);
    assertThat(config.upstreamMaxBodyBytes()).isEqualTo(64L * 1024 * 1024);
    assertThat(config.upstreamBufferBytes()).isEqualTo(12L * 1024 * 1024);
  }

  @Test
  void anEmptyEnvironmentGivesTheDocumentedStaleWindowsJitterAndSizeLimit() {
    Map<String, String> env = Map.of();

    CachePolicy policy = universities(ConfigLoader.from(env));

    assertThat(policy.staleWhileRevalidate()).isEqualTo(Duration.ofSeconds(60));
    assertThat(policy.staleIfError()).isEqualTo(Duration.ofSeconds(86_400));
    assertThat(policy.ttlJitter()).isEqualTo(0.05);
    assertThat(policy.maxEntryBytes()).isEqualTo(5_242_880);
    assertThat(policy).isEqualTo(CachePolicy.ofTtl(Duration.ofSeconds(30)));
  }

  @Test
  void byDefault404And410AreCachedForAMinuteOnEveryRoute() {
    CachePolicy policy = universities(ConfigLoader.from(Map.of()));

    assertThat(policy.statusTtls())
        .isEqualTo(Map.of(404, Duration.ofSeconds(60), 410, Duration.ofSeconds(60)));
    assertThat(ConfigLoader.VARIABLES)
        .contains(new ConfigLoader.Variable("CACHE_STATUSES", "404=60,410=60"));
  }

  @ParameterizedTest(name = "CACHE_STATUSES={0}")
  @CsvSource(
      delimiter = '|',
      value = {
        "404=5m | {404=PT5M}",
        "404=60, 410=1h | {404=PT1M, 410=PT1H}",
        "none | {}",
      })
  void cacheStatusesNamesTheCached4xxWithTheirTtls(String value, String expected) {
    CachePolicy policy = universities(ConfigLoader.from(Map.of("CACHE_STATUSES", value)));

    assertThat(new java.util.TreeMap<>(policy.statusTtls())).hasToString(expected);
  }

  @ParameterizedTest(name = "CACHE_STATUSES={0}")
  @CsvSource(
      delimiter = '|',
      value = {
        "404 | CACHE_STATUSES must be status=ttl pairs separated by commas, such as 404=60,410=5m,"
            + " or none, was '404'",
        "503=60 | CACHE_STATUSES status 503 cannot be cached",
        "404=60,404=5m | CACHE_STATUSES status 404 is given twice",
        "404=-1 | CACHE_STATUSES the ttl of status 404",
      })
  void aWrongCacheStatusesStopsTheStartNamingIt(String value, String message) {
    Throwable refusal =
        org.assertj.core.api.Assertions.catchThrowable(
            () -> ConfigLoader.from(Map.of("CACHE_STATUSES", value)));

    assertThat(refusal).isInstanceOf(ConfigException.class).hasMessageStartingWith(message);
  }

  @ParameterizedTest(name = "{0} listed with default {1}")
  @CsvSource({
    "CACHE_STALE_WHILE_REVALIDATE, 60",
    "CACHE_STALE_IF_ERROR,         86400",
    "CACHE_TTL_JITTER,             0.05",
    "CACHE_MAX_ENTRY_BYTES,        5242880",
    "CACHE_TTL_FROM,               route",
    "CACHE_MAX_TTL,                86400",
    "UPSTREAM_ENCODING,            gzip",
  })
  void everyNewVariableIsListedWithItsDefault(String name, String defaultValue) {
    List<ConfigLoader.Variable> variables = ConfigLoader.VARIABLES;

    assertThat(variables).contains(new ConfigLoader.Variable(name, defaultValue));
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(
      delimiter = '|',
      value = {
        "CACHE_REDIS_HOST=localhost | CACHE_REDIS_URL disagrees with CACHE_REDIS_HOST=localhost:"
            + " CACHE_REDIS_URL wins, so cachegate uses Redis at redis://redis:6379/0 and ignores"
            + " it; unset one or the other",
        "CACHE_REDIS_PORT=6380 | CACHE_REDIS_URL disagrees with CACHE_REDIS_PORT=6380:"
            + " CACHE_REDIS_URL wins, so cachegate uses Redis at redis://redis:6379/0 and ignores"
            + " it; unset one or the other",
        "CACHE_REDIS_HOST=localhost,CACHE_REDIS_DB=2 | CACHE_REDIS_URL disagrees with"
            + " CACHE_REDIS_HOST=localhost and CACHE_REDIS_DB=2: CACHE_REDIS_URL wins, so"
            + " cachegate uses Redis at redis://redis:6379/0 and ignores them; unset one or the"
            + " other",
      })
  void aRedisUrlThatDisagreesWithHostPortOrDbWinsWithOneWarningNamingBoth(
      String separate, String warning) {
    Map<String, String> env = new HashMap<>(Map.of("CACHE_REDIS_URL", "redis://redis:6379/0"));
    for (String setting : separate.split(",")) {
      env.put(
          setting.substring(0, setting.indexOf('=')), setting.substring(setting.indexOf('=') + 1));
    }

    GatewayConfig config = ConfigLoader.from(env);

    assertThat(config.redis().describe()).isEqualTo("redis://redis:6379/0");
    assertThat(config.warnings()).containsExactly(warning);
  }

  @Test
  void aRedisUrlWhosePasswordDisagreesWithTheSeparateOneWarnsWithoutShowingEither() {
    Map<String, String> env =
        Map.of("CACHE_REDIS_URL", "redis://:fromurl@cache", "CACHE_REDIS_PASSWORD", "separate");

    GatewayConfig config = ConfigLoader.from(env);

    assertThat(config.warnings())
        .containsExactly(
            "CACHE_REDIS_URL disagrees with CACHE_REDIS_PASSWORD (another password):"
                + " CACHE_REDIS_URL wins, so cachegate uses Redis at redis://:***@cache:6379/0 and"
                + " ignores it; unset one or the other");
    assertThat(config.warnings().get(0)).doesNotContain("fromurl").doesNotContain("separate");
  }

  @Test
  void aRedisUrlThatAgreesWithHostPortDbAndPasswordGivesNoWarning() {
    Map<String, String> env =
        Map.of(
            "CACHE_REDIS_URL", "redis://:s3cret@Redis:6379/0",
            "CACHE_REDIS_HOST", "redis",
            "CACHE_REDIS_PORT", "6379",
            "CACHE_REDIS_DB", "0",
            "CACHE_REDIS_PASSWORD", "s3cret");

    GatewayConfig config = ConfigLoader.from(env);

    assertThat(config.warnings()).isEmpty();
  }

  @Test
  void aPasswordBesideAUrlWithoutOneIsUsedWithoutWarning() {
    Map<String, String> env =
        Map.of("CACHE_REDIS_URL", "redis://cache:6379/0", "CACHE_REDIS_PASSWORD", "s3cret");

    GatewayConfig config = ConfigLoader.from(env);

    assertThat(config.redis().password()).isEqualTo("s3cret");
    assertThat(config.warnings()).isEmpty();
  }

  @Test
  void editingTheExampleEnvsRedisHostTakesEffectWithoutWarning() throws IOException {
    Map<String, String> example = DotEnv.parse(Files.readString(Path.of(".env.example")));
    Map<String, String> edited = new HashMap<>(example);
    edited.put("CACHE_REDIS_HOST", "localhost");

    GatewayConfig asShipped = ConfigLoader.from(example);
    GatewayConfig config = ConfigLoader.from(edited);

    assertThat(asShipped.redis().host()).isEqualTo("redis");
    assertThat(config.redis().host()).isEqualTo("localhost");
    assertThat(asShipped.warnings()).isEmpty();
    assertThat(config.warnings()).isEmpty();
  }

  @ParameterizedTest(name = "{0}={1} -> {2} ms")
  @CsvSource({
    "CACHE_STALE_WHILE_REVALIDATE, 120,   120000",
    "CACHE_STALE_WHILE_REVALIDATE, 0.5,   500",
    "CACHE_STALE_WHILE_REVALIDATE, 250ms, 250",
    "CACHE_STALE_WHILE_REVALIDATE, 2s,    2000",
    "CACHE_STALE_IF_ERROR,         3600,  3600000",
    "CACHE_STALE_IF_ERROR,         1.5,   1500",
    "CACHE_STALE_IF_ERROR,         10ms,  10",
    "CACHE_STALE_IF_ERROR,         '2 s', 2000",
  })
  void staleWindowsAreSecondsOrCarryAUnit(String variable, String value, long expectedMillis) {
    Map<String, String> env = Map.of(variable, value);

    GatewayConfig config = ConfigLoader.from(env);

    assertThat(WINDOWS.get(variable).apply(config)).isEqualTo(Duration.ofMillis(expectedMillis));
  }

  @ParameterizedTest(name = "{0}={1} -> no window")
  @CsvSource({
    "CACHE_STALE_WHILE_REVALIDATE, 0",
    "CACHE_STALE_WHILE_REVALIDATE, 0s",
    "CACHE_STALE_WHILE_REVALIDATE, 0ms",
    "CACHE_STALE_WHILE_REVALIDATE, 0.0",
    "CACHE_STALE_IF_ERROR,         0",
    "CACHE_STALE_IF_ERROR,         0s",
    "CACHE_STALE_IF_ERROR,         0ms",
    "CACHE_STALE_IF_ERROR,         0.0",
    "CACHE_STALE_IF_ERROR,         '0 s'",
    "CACHE_STALE_IF_ERROR,         '0 ms'",
  })
  void aStaleWindowOfZeroTurnsItOff(String variable, String value) {
    Map<String, String> env = Map.of(variable, value);

    GatewayConfig config = ConfigLoader.from(env);

    assertThat(WINDOWS.get(variable).apply(config)).isZero();
  }

  @Test
  void bothStaleWindowsMayBeZeroTogether() {
    Map<String, String> env =
        Map.of("CACHE_STALE_WHILE_REVALIDATE", "0", "CACHE_STALE_IF_ERROR", "0");

    CachePolicy policy = universities(ConfigLoader.from(env));

    assertThat(policy.staleWhileRevalidate()).isZero();
    assertThat(policy.staleIfError()).isZero();
    assertThat(policy.retention()).isEqualTo(policy.ttl());
  }

  @ParameterizedTest(name = "CACHE_TTL_JITTER={0} -> {1}")
  @CsvSource({"0, 0.0", "0.0, 0.0", "0.1, 0.1", "0.5, 0.5", "0.999, 0.999"})
  void theTtlJitterIsAFractionFromZeroUpToOne(String value, double expected) {
    Map<String, String> env = Map.of("CACHE_TTL_JITTER", value);

    CachePolicy policy = universities(ConfigLoader.from(env));

    assertThat(policy.ttlJitter()).isEqualTo(expected);
  }

  @Test
  void freshnessFromTheUpstreamAndTheEncodingAskedForAreRead() {
    GatewayConfig config =
        ConfigLoader.from(
            Map.of(
                "CACHE_TTL_FROM", "upstream",
                "CACHE_MAX_TTL", "1h",
                "UPSTREAM_ENCODING", "identity"));

    assertThat(universities(config).ttlFrom()).isEqualTo(CachePolicy.TtlFrom.UPSTREAM);
    assertThat(universities(config).maxTtl()).isEqualTo(Duration.ofHours(1));
    assertThat(config.routes().get(0).upstream().encoding())
        .isEqualTo(UpstreamConfig.Encoding.IDENTITY);
    assertThat(ConfigLoader.from(Map.of()).routes().get(0).upstream().encoding())
        .isEqualTo(UpstreamConfig.Encoding.GZIP);
  }

  @ParameterizedTest(name = "CACHE_MAX_ENTRY_BYTES={0}")
  @ValueSource(longs = {1, 1024, 104_857_600})
  void theMaxEntryBytesIsAPositiveNumberOfBytes(long bytes) {
    Map<String, String> env =
        Map.of(
            "CACHE_MAX_ENTRY_BYTES",
            String.valueOf(bytes),
            "UPSTREAM_BUFFER_BYTES",
            String.valueOf(bytes),
            "UPSTREAM_MAX_BODY_BYTES",
            String.valueOf(bytes));

    CachePolicy policy = universities(ConfigLoader.from(env));

    assertThat(policy.maxEntryBytes()).isEqualTo(bytes);
  }

  @ParameterizedTest(name = "{0}={1}")
  @CsvSource({"UPSTREAM_BUFFER_BYTES, 1048576", "UPSTREAM_MAX_BODY_BYTES, 1048576"})
  void anEntryLargerThanAnUpstreamAnswerMayBeIsRefusedNamingTheRoute(String name, String bytes) {
    Map<String, String> env = Map.of("CACHE_MAX_ENTRY_BYTES", "2097152", name, bytes);

    assertThatThrownBy(() -> ConfigLoader.from(env))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("route 'universities' keeps answers up to 2097152 bytes")
        .hasMessageContaining(name);
  }

  @ParameterizedTest(name = "CACHE_TYPE={0}")
  @ValueSource(strings = {"redis", "RedisCache"})
  void noLocalTierInFrontOfRedisIsAllowed(String cacheType) {
    Map<String, String> env = Map.of("CACHE_TYPE", cacheType, "CACHE_LOCAL_MAX_BYTES", "0");

    GatewayConfig config = ConfigLoader.from(env);

    assertThat(config.cacheType()).isEqualTo(CacheType.REDIS);
    assertThat(config.localMaxBytes()).isZero();
  }

  @Test
  void noLocalTierIsAllowedWhenRedisIsSelectedImplicitly() {
    Map<String, String> env =
        Map.of("CACHE_REDIS_URL", "redis://cache:6379/0", "CACHE_LOCAL_MAX_BYTES", "0");

    GatewayConfig config = ConfigLoader.from(env);

    assertThat(config.localMaxBytes()).isZero();
  }

  @ParameterizedTest(name = "CACHE_TYPE={0}")
  @ValueSource(strings = {"simple", "SimpleCache"})
  void anInProcessCacheOfZeroBytesIsRefused(String cacheType) {
    Map<String, String> env = Map.of("CACHE_TYPE", cacheType, "CACHE_LOCAL_MAX_BYTES", "0");

    Throwable error = catchThrowable(() -> ConfigLoader.from(env));

    assertThat(error)
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("CACHE_LOCAL_MAX_BYTES")
        .hasMessageContaining("0");
  }

  @Test
  void theTutorialsDotEnvSelectsRedis() {
    Map<String, String> env =
        Map.of(
            "CACHE_TYPE", "RedisCache",
            "CACHE_REDIS_HOST", "redis",
            "CACHE_REDIS_PORT", "6379",
            "CACHE_REDIS_DB", "0",
            "CACHE_REDIS_URL", "redis://redis:6379/0",
            "CACHE_DEFAULT_TIMEOUT", "500");

    GatewayConfig config = ConfigLoader.from(env);

    assertThat(config.cacheType()).isEqualTo(CacheType.REDIS);
    assertThat(config.redis().host()).isEqualTo("redis");
    assertThat(config.redis().port()).isEqualTo(6379);
    assertThat(config.redis().database()).isZero();
    assertThat(config.redis().describe()).isEqualTo("redis://redis:6379/0");
  }

  @ParameterizedTest(name = "CACHE_TYPE={0} -> {1}")
  @CsvSource({
    "redis,       REDIS",
    "RedisCache,  REDIS",
    "REDIS,       REDIS",
    "rediscache,  REDIS",
    "simple,      SIMPLE",
    "SimpleCache, SIMPLE",
    "SIMPLE,      SIMPLE",
    "simplecache, SIMPLE",
    "null,        NULL",
    "NullCache,   NULL",
    "NULL,        NULL",
    "nullcache,   NULL",
    "' Redis ',   REDIS",
  })
  void everyCacheTypeAliasIsRecognisedIgnoringCase(String value, CacheType expected) {
    Map<String, String> env = Map.of("CACHE_TYPE", value);

    GatewayConfig config = ConfigLoader.from(env);

    assertThat(config.cacheType()).isEqualTo(expected);
  }

  @Test
  void anExplicitCacheTypeWinsOverAConfiguredRedis() {
    Map<String, String> env = Map.of("CACHE_TYPE", "simple", "CACHE_REDIS_URL", "redis://redis");

    GatewayConfig config = ConfigLoader.from(env);

    assertThat(config.cacheType()).isEqualTo(CacheType.SIMPLE);
  }

  @ParameterizedTest
  @CsvSource({"CACHE_REDIS_URL, redis://redis:6379/0", "CACHE_REDIS_HOST, redis"})
  void anUnsetCacheTypeWithRedisConfiguredSelectsRedis(String variable, String value) {
    Map<String, String> env = Map.of(variable, value);

    GatewayConfig config = ConfigLoader.from(env);

    assertThat(config.cacheType()).isEqualTo(CacheType.REDIS);
    assertThat(config.redis().host()).isEqualTo("redis");
  }

  @Test
  void theRedisUrlWinsOverHostPortAndDb() {
    Map<String, String> env =
        Map.of(
            "CACHE_REDIS_URL", "redis://cache.internal:6380/2",
            "CACHE_REDIS_HOST", "elsewhere",
            "CACHE_REDIS_PORT", "1234",
            "CACHE_REDIS_DB", "5");

    RedisConfig redis = ConfigLoader.from(env).redis();

    assertThat(redis.host()).isEqualTo("cache.internal");
    assertThat(redis.port()).isEqualTo(6380);
    assertThat(redis.database()).isEqualTo(2);
  }

  @Test
  void aRedisUrlWithoutPortOrDbUsesTheDefaults() {
    Map<String, String> env = Map.of("CACHE_REDIS_URL", "redis://cache.internal");

    RedisConfig redis = ConfigLoader.from(env).redis();

    assertThat(redis.host()).isEqualTo("cache.internal");
    assertThat(redis.port()).isEqualTo(6379);
    assertThat(redis.database()).isZero();
  }

  @ParameterizedTest(name = "{0} -> {1}")
  @CsvSource({"redis://cache:6379/0, PLAIN", "rediss://cache:6380/0, TLS"})
  void theUrlSchemeChoosesTheTransport(String url, Transport expected) {
    Map<String, String> env = Map.of("CACHE_REDIS_URL", url);

    RedisConfig redis = ConfigLoader.from(env).redis();

    assertThat(redis.transport()).isEqualTo(expected);
    assertThat(redis.describe()).startsWith(url.substring(0, url.indexOf(':')) + "://");
  }

  @Test
  void userAndPasswordAreTakenFromTheUrl() {
    Map<String, String> env = Map.of("CACHE_REDIS_URL", "redis://alice:s3cret@cache:6379/1");

    RedisConfig redis = ConfigLoader.from(env).redis();

    assertThat(redis.username()).isEqualTo("alice");
    assertThat(redis.password()).isEqualTo("s3cret");
    assertThat(redis.hasPassword()).isTrue();
    assertThat(redis.database()).isEqualTo(1);
  }

  @Test
  void aPasswordWithoutUserIsTakenFromTheUrl() {
    Map<String, String> env = Map.of("CACHE_REDIS_URL", "redis://:s3cret@cache");

    RedisConfig redis = ConfigLoader.from(env).redis();

    assertThat(redis.username()).isEmpty();
    assertThat(redis.password()).isEqualTo("s3cret");
  }

  @ParameterizedTest(name = "{0} -> {1}")
  @CsvSource({
    "p%40ss%3Aw%2Frd, p@ss:w/rd",
    "%C3%A9t%C3%A9,   été",
    "100%25,          100%",
  })
  void aUrlEncodedPasswordIsDecoded(String encoded, String decoded) {
    Map<String, String> env = Map.of("CACHE_REDIS_URL", "redis://alice:" + encoded + "@cache");

    RedisConfig redis = ConfigLoader.from(env).redis();

    assertThat(redis.password()).isEqualTo(decoded);
  }

  /**
   * In a URL's user-info {@code +} is a literal plus (RFC 3986), as redis-py's {@code from_url} and
   * Lettuce's {@code RedisURI} read it; only form encoding turns it into a space.
   */
  @Test
  void aPlusInTheUrlPasswordIsALiteralPlus() {
    Map<String, String> env = Map.of("CACHE_REDIS_URL", "redis://:a+b@cache");

    RedisConfig redis = ConfigLoader.from(env).redis();

    assertThat(redis.password()).isEqualTo("a+b");
  }

  @Test
  void theSeparatePasswordIsUsedWhenTheUrlHasNone() {
    Map<String, String> env =
        Map.of("CACHE_REDIS_URL", "redis://cache:6379/0", "CACHE_REDIS_PASSWORD", "s3cret");

    RedisConfig redis = ConfigLoader.from(env).redis();

    assertThat(redis.password()).isEqualTo("s3cret");
  }

  @Test
  void theSeparatePasswordIsUsedWithHostAndPort() {
    Map<String, String> env = Map.of("CACHE_REDIS_HOST", "cache", "CACHE_REDIS_PASSWORD", "s3cret");

    RedisConfig redis = ConfigLoader.from(env).redis();

    assertThat(redis.password()).isEqualTo("s3cret");
  }

  @Test
  void theUrlPasswordWinsOverTheSeparateOne() {
    Map<String, String> env =
        Map.of("CACHE_REDIS_URL", "redis://:fromurl@cache", "CACHE_REDIS_PASSWORD", "separate");

    RedisConfig redis = ConfigLoader.from(env).redis();

    assertThat(redis.password()).isEqualTo("fromurl");
  }

  @ParameterizedTest(name = "{0}={1} -> {2} ms")
  @CsvSource({
    "UPSTREAM_TIMEOUT,           30,    30000",
    "UPSTREAM_TIMEOUT,           0.5,   500",
    "UPSTREAM_TIMEOUT,           100ms, 100",
    "UPSTREAM_TIMEOUT,           2s,    2000",
    "UNIVERSITIES_CACHE_TIMEOUT, 30,    30000",
    "UNIVERSITIES_CACHE_TIMEOUT, 0.5,   500",
    "UNIVERSITIES_CACHE_TIMEOUT, 100ms, 100",
    "UNIVERSITIES_CACHE_TIMEOUT, 2s,    2000",
    "CACHE_REDIS_TIMEOUT,        100ms, 100",
    "CACHE_REDIS_TIMEOUT,        0.25,  250",
    "CLIENT_HEADER_TIMEOUT,      5,     5000",
    "CLIENT_IDLE_TIMEOUT,        500ms, 500",
    "CLIENT_SEND_TIMEOUT,        1.5,   1500",
    "UPSTREAM_TIMEOUT,           1m30s, 90000",
    "UNIVERSITIES_CACHE_TIMEOUT, 8m20s, 500000",
    "UNIVERSITIES_CACHE_TIMEOUT, 1h,    3600000",
    "UNIVERSITIES_CACHE_TIMEOUT, 1d,    86400000",
    "CLIENT_IDLE_TIMEOUT,        2m,    120000",
  })
  void durationsAreSecondsOrCarryAUnit(String variable, String value, long expectedMillis) {
    Map<String, String> env = Map.of(variable, value);

    GatewayConfig config = ConfigLoader.from(env);

    assertThat(DURATIONS.get(variable).apply(config)).isEqualTo(Duration.ofMillis(expectedMillis));
  }

  @ParameterizedTest(name = "{0}={1}")
  @CsvSource(
      delimiter = '|',
      value = {
        "CACHE_REDIS_TIMEOUT | 100 | CACHE_REDIS_TIMEOUT=100 is read as 100 seconds (1m40s), more"
            + " than the 10s that makes sense for it: a number without a unit is seconds; for"
            + " milliseconds write 100ms",
        "CACHE_REDIS_TIMEOUT | 30s | CACHE_REDIS_TIMEOUT=30s is read as 30s, more than the 10s"
            + " that makes sense for it",
        "UPSTREAM_TIMEOUT | 500 | UPSTREAM_TIMEOUT=500 is read as 500 seconds (8m20s), more than"
            + " the 5m that makes sense for it: a number without a unit is seconds; for"
            + " milliseconds write 500ms",
        "UPSTREAM_KEEP_ALIVE | 1h | UPSTREAM_KEEP_ALIVE=1h is read as 1h, more than the 10m that"
            + " makes sense for it",
        "CLIENT_HEADER_TIMEOUT | 10m | CLIENT_HEADER_TIMEOUT=10m is read as 10m, more than the 5m"
            + " that makes sense for it",
        "CLIENT_IDLE_TIMEOUT | 75000 | CLIENT_IDLE_TIMEOUT=75000 is read as 75000 seconds"
            + " (20h50m), more than the 1h that makes sense for it: a number without a unit is"
            + " seconds; for milliseconds write 75000ms",
        "CLIENT_SEND_TIMEOUT | 1h | CLIENT_SEND_TIMEOUT=1h is read as 1h, more than the 10m that"
            + " makes sense for it",
        "UNIVERSITIES_CACHE_TIMEOUT | 31d | UNIVERSITIES_CACHE_TIMEOUT=31d is read as 31d, more"
            + " than the 30d that makes sense for it",
        "CACHE_DEFAULT_TIMEOUT | 5000000 | CACHE_DEFAULT_TIMEOUT=5000000 is read as 5000000"
            + " seconds (57d20h53m20s), more than the 30d that makes sense for it: a number"
            + " without a unit is seconds; for milliseconds write 5000000ms",
        "CACHE_STALE_WHILE_REVALIDATE | 60d | CACHE_STALE_WHILE_REVALIDATE=60d is read as 60d,"
            + " more than the 30d that makes sense for it",
        "CACHE_STALE_IF_ERROR | 8640000 | CACHE_STALE_IF_ERROR=8640000 is read as 8640000"
            + " seconds (100d), more than the 30d that makes sense for it: a number without a"
            + " unit is seconds; for milliseconds write 8640000ms",
      })
  void aDurationFarLongerThanMakesSenseIsReadButWarnedAboutNamingHowItWasRead(
      String variable, String value, String warning) {
    Map<String, String> env = Map.of(variable, value);

    GatewayConfig config = ConfigLoader.from(env);

    assertThat(config.warnings()).containsExactly(warning);
  }

  @Test
  void sensibleDurationsGiveNoWarning() {
    Map<String, String> env =
        Map.ofEntries(
            Map.entry("CACHE_REDIS_TIMEOUT", "10s"),
            Map.entry("UPSTREAM_TIMEOUT", "300"),
            Map.entry("UPSTREAM_KEEP_ALIVE", "75"),
            Map.entry("CLIENT_HEADER_TIMEOUT", "60"),
            Map.entry("CLIENT_IDLE_TIMEOUT", "1h"),
            Map.entry("CLIENT_SEND_TIMEOUT", "10m"),
            Map.entry("UNIVERSITIES_CACHE_TIMEOUT", "30d"),
            Map.entry("CACHE_STALE_WHILE_REVALIDATE", "0"),
            Map.entry("CACHE_STALE_IF_ERROR", "2592000"));

    GatewayConfig config = ConfigLoader.from(env);

    assertThat(config.warnings()).isEmpty();
    assertThat(ConfigLoader.from(Map.of()).warnings()).isEmpty();
  }

  @ParameterizedTest(name = "UPSTREAM_KEEP_ALIVE={0} -> {1} s")
  @CsvSource({"'', 4", "0, 0", "30, 30", "5s, 5", "1000ms, 1"})
  void upstreamKeepAliveIsWholeSecondsAndZeroMeansNoReuse(String value, long expectedSeconds) {
    Map<String, String> env = Map.of("UPSTREAM_KEEP_ALIVE", value);

    Duration keepAlive = ConfigLoader.from(env).routes().get(0).upstream().keepAlive();

    assertThat(keepAlive).isEqualTo(Duration.ofSeconds(expectedSeconds));
  }

  @ParameterizedTest(name = "every variable set to ''{0}''")
  @ValueSource(strings = {"", " ", "\t", "  \n "})
  void blankValuesCountAsUnset(String blank) {
    Map<String, String> env = new HashMap<>();
    ConfigLoader.VARIABLES.forEach(variable -> env.put(variable.name(), blank));

    GatewayConfig config = ConfigLoader.from(env);

    assertThat(config).isEqualTo(ConfigLoader.from(Map.of()));
  }

  @ParameterizedTest(name = "{0}={1}")
  @CsvSource({
    "PORT,                  abc",
    "PORT,                  70000",
    "PORT,                  -1",
    "CLIENT_HEADER_TIMEOUT, 0",
    "CLIENT_IDLE_TIMEOUT,   -1",
    "CLIENT_SEND_TIMEOUT,   soon",
    "CLIENT_MAX_CONNECTIONS, 0",
    "CLIENT_MAX_CONNECTIONS, many",
    "UPSTREAM_MAX_BODY_BYTES, 0",
    "UPSTREAM_BUFFER_BYTES, lots",
    "CACHE_TYPE,            memcached",
    "CACHE_REDIS_PORT,      x",
    "CACHE_REDIS_PORT,      70000",
    "CACHE_REDIS_DB,        one",
    "CACHE_REDIS_DB,        -1",
    "CACHE_REDIS_URL,       http://x",
    "CACHE_REDIS_TIMEOUT,   0",
    "CACHE_DEFAULT_TIMEOUT, never",
    "UPSTREAM_TIMEOUT,      -1",
    "UPSTREAM_TIMEOUT,      soon",
    "UPSTREAM_TIMEOUT,      0",
    "UPSTREAM_TIMEOUT,      ms",
    "UPSTREAM_TIMEOUT,      0.0001",
    "UPSTREAM_KEEP_ALIVE,   1.5",
    "UPSTREAM_KEEP_ALIVE,   500ms",
    "UPSTREAM_KEEP_ALIVE,   -1",
    "UNIVERSITIES_API_URL,  ftp://x",
    "UNIVERSITIES_API_URL,  http://x/?q=1",
    "UNIVERSITIES_CACHE_TIMEOUT, -5",
    "CACHE_KEY_PREFIX,      'has space'",
    "CACHE_KEY_PREFIX,      'a:b'",
    "CACHE_LOCAL_MAX_BYTES, lots",
    "CACHE_LOCAL_MAX_BYTES, 0",
    "CACHE_LOCAL_MAX_BYTES, -1",
    "CACHE_STALE_WHILE_REVALIDATE, -1",
    "CACHE_STALE_WHILE_REVALIDATE, -0.5",
    "CACHE_STALE_WHILE_REVALIDATE, soon",
    "CACHE_STALE_WHILE_REVALIDATE, 1y",
    "CACHE_STALE_WHILE_REVALIDATE, 1m30",
    "CACHE_STALE_WHILE_REVALIDATE, 0.0001",
    "CACHE_STALE_IF_ERROR,  -1",
    "CACHE_STALE_IF_ERROR,  -5ms",
    "CACHE_STALE_IF_ERROR,  forever",
    "CACHE_STALE_IF_ERROR,  1w",
    "CACHE_STALE_IF_ERROR,  1d-1h",
    "CACHE_TTL_FROM,        origin",
    "CACHE_MAX_TTL,         0",
    "UPSTREAM_ENCODING,     br",
    "CACHE_TTL_JITTER,      1.0",
    "CACHE_TTL_JITTER,      1",
    "CACHE_TTL_JITTER,      1.5",
    "CACHE_TTL_JITTER,      -0.1",
    "CACHE_TTL_JITTER,      NaN",
    "CACHE_TTL_JITTER,      Infinity",
    "CACHE_TTL_JITTER,      some",
    "CACHE_TTL_JITTER,      5%",
    "CACHE_MAX_ENTRY_BYTES, 0",
    "CACHE_MAX_ENTRY_BYTES, -1",
    "CACHE_MAX_ENTRY_BYTES, big",
    "CACHE_MAX_ENTRY_BYTES, 1.5",
    "CACHE_MAX_ENTRY_BYTES, 5MiB",
  })
  void aBadValueIsRefusedNamingTheVariableAndTheValue(String variable, String value) {
    Map<String, String> env = Map.of(variable, value);

    Throwable error = catchThrowable(() -> ConfigLoader.from(env));

    assertThat(error)
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining(variable)
        .hasMessageContaining(value);
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(
      strings = {
        "redis://:s3cret@host:notaport",
        "redis://user:s3cret@host:99999999999",
        "redis://:s3cret@host:0",
        "redis://:s3cret@host/notadb",
        "redis://:s3cret@host/-1",
        "redis://:s3cret@ho st",
        "redis://:s3cret@[::1",
        "http://:s3cret@host",
        "redis://:s3cret%zz@host",
        "redis://:x@s3cret@host",
        "redis://:s3cret/x@host",
      })
  void aPasswordInTheRedisUrlNeverAppearsInAnError(String url) {
    Map<String, String> env = Map.of("CACHE_REDIS_URL", url);

    Throwable error = catchThrowable(() -> ConfigLoader.from(env));

    assertThat(error).isInstanceOf(ConfigException.class);
    assertThat(error.getMessage()).doesNotContain("s3cret");
  }

  @Test
  void theSeparatePasswordNeverAppearsInAnError() {
    Map<String, String> env =
        Map.of("CACHE_REDIS_PASSWORD", "s3cret", "CACHE_REDIS_PORT", "notaport");

    Throwable error = catchThrowable(() -> ConfigLoader.from(env));

    assertThat(error).isInstanceOf(ConfigException.class);
    assertThat(error.getMessage()).doesNotContain("s3cret");
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"redis://alice:s3cret@cache:6379/0", "rediss://:s3cret@cache"})
  void aPasswordNeverAppearsInToStringOrDescribe(String url) {
    Map<String, String> env = Map.of("CACHE_REDIS_URL", url);

    GatewayConfig config = ConfigLoader.from(env);

    assertThat(config.redis().toString()).doesNotContain("s3cret").contains(":***@");
    assertThat(config.redis().describe()).doesNotContain("s3cret").contains(":***@");
    assertThat(config.toString()).doesNotContain("s3cret");
  }

  @ParameterizedTest(name = "CACHE_TYPE={0} -> {1}")
  @CsvSource({
    "RedisClusterCache,  REDIS_CLUSTER",
    "rediscluster,       REDIS_CLUSTER",
    "redis-cluster,      REDIS_CLUSTER",
    "REDIS-CLUSTER,      REDIS_CLUSTER",
    "RedisSentinelCache, REDIS_SENTINEL",
    "redissentinel,      REDIS_SENTINEL",
    "redis-sentinel,     REDIS_SENTINEL",
  })
  void clusterAndSentinelCacheTypesAreRecognised(String value, CacheType expected) {
    Map<String, String> env =
        Map.of(
            "CACHE_TYPE", value,
            "CACHE_REDIS_CLUSTER", "10.0.0.1:7000",
            "CACHE_REDIS_SENTINELS", "10.0.0.1:26379");

    GatewayConfig config = ConfigLoader.from(env);

    assertThat(config.cacheType()).isEqualTo(expected);
    assertThat(config.cacheType().isRedis()).isTrue();
  }

  @Test
  void clusterAndSentinelCacheTypesHaveShortLabels() {
    assertThat(CacheType.REDIS_CLUSTER.label()).isEqualTo("redis-cluster");
    assertThat(CacheType.REDIS_SENTINEL.label()).isEqualTo("redis-sentinel");
  }

  @Test
  void theClusterSeedNodesAreRead() {
    Map<String, String> env =
        Map.of(
            "CACHE_TYPE", "RedisClusterCache",
            "CACHE_REDIS_CLUSTER", "10.0.0.1:7000, 10.0.0.2:7001,[::1]:7002",
            "CACHE_REDIS_PASSWORD", "s3cret",
            "CACHE_REDIS_TIMEOUT", "250ms");

    RedisConfig redis = ConfigLoader.from(env).redis();

    assertThat(redis.topology()).isEqualTo(RedisConfig.Topology.CLUSTER);
    assertThat(redis.nodes())
        .containsExactly(
            new RedisConfig.Node("10.0.0.1", 7000),
            new RedisConfig.Node("10.0.0.2", 7001),
            new RedisConfig.Node("::1", 7002));
    assertThat(redis.password()).isEqualTo("s3cret");
    assertThat(redis.timeout()).isEqualTo(Duration.ofMillis(250));
    assertThat(redis.transport()).isEqualTo(Transport.PLAIN);
    assertThat(redis.describe())
        .isEqualTo("redis-cluster://:***@10.0.0.1:7000,10.0.0.2:7001,[::1]:7002");
  }

  @Test
  void theSentinelsAndTheMasterNameAreRead() {
    Map<String, String> env =
        Map.of(
            "CACHE_TYPE", "RedisSentinelCache",
            "CACHE_REDIS_SENTINELS", "s1:26379,s2:26380",
            "CACHE_REDIS_SENTINEL_MASTER", "cache-master",
            "CACHE_REDIS_DB", "3");

    RedisConfig redis = ConfigLoader.from(env).redis();

    assertThat(redis.topology()).isEqualTo(RedisConfig.Topology.SENTINEL);
    assertThat(redis.nodes())
        .containsExactly(new RedisConfig.Node("s1", 26379), new RedisConfig.Node("s2", 26380));
    assertThat(redis.masterName()).isEqualTo("cache-master");
    assertThat(redis.database()).isEqualTo(3);
    assertThat(redis.describe()).isEqualTo("redis-sentinel://s1:26379,s2:26380/3#cache-master");
  }

  @Test
  void theSentinelMasterNameDefaultsToFlaskCachingsMymaster() {
    Map<String, String> env = Map.of("CACHE_REDIS_SENTINELS", "s1:26379");

    RedisConfig redis = ConfigLoader.from(env).redis();

    assertThat(redis.masterName()).isEqualTo("mymaster");
    assertThat(ConfigLoader.VARIABLES)
        .contains(
            new ConfigLoader.Variable("CACHE_REDIS_CLUSTER", "none"),
            new ConfigLoader.Variable("CACHE_REDIS_SENTINELS", "none"),
            new ConfigLoader.Variable("CACHE_REDIS_SENTINEL_MASTER", "mymaster"));
  }

  @ParameterizedTest(name = "{0} alone -> {1}")
  @CsvSource({
    "CACHE_REDIS_CLUSTER,   REDIS_CLUSTER",
    "CACHE_REDIS_SENTINELS, REDIS_SENTINEL",
  })
  void anUnsetCacheTypeWithNodesConfiguredSelectsTheirTopology(
      String variable, CacheType expected) {
    Map<String, String> env =
        Map.of(variable, "10.0.0.1:7000", "CACHE_REDIS_URL", "redis://redis:6379/0");

    GatewayConfig config = ConfigLoader.from(env);

    assertThat(config.cacheType()).isEqualTo(expected);
    assertThat(config.cacheTypeReason()).contains(variable);
  }

  @Test
  void bothClusterAndSentinelsWithoutACacheTypeIsRefused() {
    Map<String, String> env =
        Map.of("CACHE_REDIS_CLUSTER", "a:7000", "CACHE_REDIS_SENTINELS", "b:26379");

    Throwable error = catchThrowable(() -> ConfigLoader.from(env));

    assertThat(error)
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("CACHE_REDIS_CLUSTER")
        .hasMessageContaining("CACHE_REDIS_SENTINELS")
        .hasMessageContaining("CACHE_TYPE");
  }

  @ParameterizedTest(name = "CACHE_TYPE={0} without {1}")
  @CsvSource({
    "RedisClusterCache,  CACHE_REDIS_CLUSTER",
    "RedisSentinelCache, CACHE_REDIS_SENTINELS",
  })
  void aClusterOrSentinelCacheTypeWithoutNodesIsRefused(String cacheType, String variable) {
    Map<String, String> env = Map.of("CACHE_TYPE", cacheType);

    Throwable error = catchThrowable(() -> ConfigLoader.from(env));

    assertThat(error)
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining(variable)
        .hasMessageContaining("host:port");
  }

  @ParameterizedTest(name = "{0}=''{1}''")
  @CsvSource(
      delimiter = '|',
      value = {
        "CACHE_REDIS_CLUSTER   | 10.0.0.1",
        "CACHE_REDIS_CLUSTER   | 10.0.0.1:7000,",
        "CACHE_REDIS_CLUSTER   | 10.0.0.1:7000,,10.0.0.2:7001",
        "CACHE_REDIS_CLUSTER   | :7000",
        "CACHE_REDIS_CLUSTER   | 10.0.0.1:0",
        "CACHE_REDIS_CLUSTER   | 10.0.0.1:65536",
        "CACHE_REDIS_CLUSTER   | 10.0.0.1:port",
        "CACHE_REDIS_SENTINELS | s1:26379;s2:26379",
        "CACHE_REDIS_SENTINELS | s1",
      })
  void aBadNodeListIsRefusedNamingTheVariableAndTheValue(String variable, String value) {
    Map<String, String> env = Map.of(variable, value);

    Throwable error = catchThrowable(() -> ConfigLoader.from(env));

    assertThat(error)
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining(variable)
        .hasMessageContaining("'" + value.strip() + "'");
  }

  @Test
  void aDatabaseOtherThanZeroIsRefusedWithACluster() {
    Map<String, String> env = Map.of("CACHE_REDIS_CLUSTER", "a:7000", "CACHE_REDIS_DB", "2");

    Throwable error = catchThrowable(() -> ConfigLoader.from(env));

    assertThat(error)
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("CACHE_REDIS_DB")
        .hasMessageContaining("Cluster")
        .hasMessageContaining("2");
  }

  @Test
  void aBlankSentinelMasterNameMeansTheDefault() {
    Map<String, String> env =
        Map.of("CACHE_REDIS_SENTINELS", "s1:26379", "CACHE_REDIS_SENTINEL_MASTER", "  ");

    RedisConfig redis = ConfigLoader.from(env).redis();

    assertThat(redis.masterName()).isEqualTo("mymaster");
  }

  @Test
  void theClusterPasswordNeverAppearsInToStringOrDescribe() {
    Map<String, String> env =
        Map.of("CACHE_REDIS_CLUSTER", "a:7000", "CACHE_REDIS_PASSWORD", "hunter2-secret");

    GatewayConfig config = ConfigLoader.from(env);

    assertThat(config.toString()).doesNotContain("hunter2-secret");
    assertThat(config.redis().describe()).doesNotContain("hunter2-secret").contains("***");
  }

  private static CachePolicy universities(GatewayConfig config) {
    assertThat(config.routes()).extracting(r -> r.route().name()).containsExactly("universities");
    return config.routes().get(0).policy();
  }

  @Test
  void aLogFormatOtherThanTextOrJsonIsRefusedByName() {
    assertThat(ConfigLoader.from(Map.of("LOG_FORMAT", "JSON")).routes()).isNotEmpty();

    assertThatThrownBy(() -> ConfigLoader.from(Map.of("LOG_FORMAT", "xml")))
        .isInstanceOf(ConfigException.class)
        .hasMessage("LOG_FORMAT must be text or json, was 'xml'");
  }
}
