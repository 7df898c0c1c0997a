package cachegate.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import cachegate.engine.CachePolicy;
import cachegate.engine.InvalidRequestException;
import cachegate.engine.Route;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** A routes file's upstreamHeaders, upstreamQuery, upstreamTlsCa and unknownParams (issue 14). */
class UpstreamCredentialsTest {
  private static final CachePolicy DEFAULTS =
      new CachePolicy(
          Duration.ofSeconds(500),
          Duration.ofSeconds(60),
          Duration.ofDays(1),
          0.05,
          CachePolicy.DEFAULT_MAX_ENTRY_BYTES);
  private static final UpstreamConfig UPSTREAM_DEFAULTS =
      new UpstreamConfig(Duration.ofSeconds(10), 32, 256, Duration.ofSeconds(4));

  private static final SecretSources SOURCES =
      new SecretSources(
          Map.of("API_TOKEN", "token-from-env", "BLANK", " "),
          path -> {
            if (path.equals(Path.of("/run/secrets/key"))) {
              return "key-from-file\n".getBytes(StandardCharsets.UTF_8);
            }
            throw new NoSuchFileException(path.toString());
          });

  @Test
  void headersAndQueryParametersAreReadFromTheEnvironmentAndFilesAsSecrets() {
    UpstreamConfig calls =
        parse(
                """
                routes:
                  - name: things
                    path: /things
                    upstream: http://127.0.0.1:9/things
                    params:
                      q: {}
                    upstreamHeaders:
                      Authorization: "Bearer ${env:API_TOKEN}"
                      X-Team: blue
                      X-Signed: {value: literal-secret, secret: true}
                    upstreamQuery:
                      appid: ${file:/run/secrets/key}
                      format: json
                """)
            .get(0)
            .upstream();

    assertThat(calls.headers())
        .containsExactly(
            UpstreamConfig.DEFAULT_USER_AGENT,
            new UpstreamField("Authorization", "Bearer token-from-env", true),
            new UpstreamField("X-Team", "blue", false),
            new UpstreamField("X-Signed", "literal-secret", true));
    assertThat(calls.query())
        .containsExactly(
            new UpstreamField("appid", "key-from-file", true),
            new UpstreamField("format", "json", false));
    assertThat(calls.toString())
        .contains("Authorization=***", "X-Team=blue", "appid=***")
        .doesNotContain("token-from-env", "key-from-file", "literal-secret");
  }

  @Test
  void aValueNamedLikeACredentialIsSecretEvenWhenWrittenInTheFile() {
    UpstreamConfig calls =
        parse(
                """
                routes:
                  - name: things
                    path: /things
                    upstream: http://127.0.0.1:9/things
                    upstreamHeaders:
                      X-API-Key: written-here
                    upstreamQuery:
                      api_key: written-here-too
                """)
            .get(0)
            .upstream();

    assertThat(calls.headers()).contains(new UpstreamField("X-API-Key", "written-here", true));
    assertThat(calls.query())
        .containsExactly(new UpstreamField("api_key", "written-here-too", true));
  }

  @Test
  void theDefaultUserAgentNamesCachegateAndARouteMayReplaceIt() {
    List<RouteConfig> routes =
        parse(
            """
            routes:
              - name: a
                path: /a
                upstream: http://127.0.0.1:9/a
              - name: b
                path: /b
                upstream: http://127.0.0.1:9/b
                upstreamHeaders:
                  user-agent: my-app/1.0 (ops@example.com)
            """);

    assertThat(UpstreamConfig.DEFAULT_USER_AGENT.value()).startsWith("cachegate/");
    assertThat(routes.get(0).upstream().headers())
        .containsExactly(UpstreamConfig.DEFAULT_USER_AGENT);
    assertThat(routes.get(1).upstream().headers())
        .containsExactly(new UpstreamField("user-agent", "my-app/1.0 (ops@example.com)", false));
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(
      delimiter = '|',
      quoteCharacter = '"',
      value = {
        "missing variable | upstreamHeaders:\\n      Authorization: 'Bearer ${env:NOT_SET}'"
            + " | line 6: route 'a': upstreamHeaders 'Authorization': environment variable NOT_SET is"
            + " not set",
        "blank variable | upstreamQuery:\\n      key: ${env:BLANK} | line 6: route 'a': upstreamQuery"
            + " 'key': environment variable BLANK is not set",
        "missing file | upstreamQuery:\\n      key: ${file:/run/secrets/nope} | line 6: route 'a':"
            + " upstreamQuery 'key': file /run/secrets/nope does not exist",
        "shell-style reference | upstreamHeaders:\\n      X-Key: ${API_TOKEN} | line 6: route 'a':"
            + " upstreamHeaders 'X-Key': '${' starts a reference, written ${env:NAME}",
        "reserved header | upstreamHeaders:\\n      Host: other | line 6: route 'a': upstreamHeaders"
            + " 'Host': cachegate sets this header itself",
        "bad header name | upstreamHeaders:\\n      'X Key': v | line 6: route 'a': upstreamHeaders"
            + " 'X Key' is not a valid header name",
        "query clashes with a parameter | params:\\n      q: {}\\n    upstreamQuery:\\n      q: v"
            + " | line 8: route 'a': upstreamQuery 'q' is also a parameter of the route",
        "mapping without value | upstreamHeaders:\\n      X-Key: {secret: true} | line 6: route 'a':"
            + " upstreamHeaders 'X-Key' must have a 'value'",
        "bad unknownParams | unknownParams: drop | line 5: route 'a': unknownParams must be reject or"
            + " ignore, was 'drop'",
        "unreadable CA | upstreamTlsCa: /nowhere/ca.pem | line 5: route 'a': upstreamTlsCa must be a"
            + " readable PEM file",
      })
  void aBadSettingStopsTheStartNamingTheLineAndTheVariableOrFile(
      String description, String settings, String expected) {
    String text =
        "routes:\n  - name: a\n    path: /a\n    upstream: http://h/a\n    "
            + settings.replace("\\n", "\n");

    Throwable refusal = catchThrowable(() -> parse(text));

    assertThat(refusal)
        .as(description)
        .isInstanceOf(ConfigException.class)
        .hasMessageStartingWith("routes.yml ")
        .hasMessageContaining(expected);
  }

  @Test
  void aVariableOrFileRefusedIsNamedButItsValueNever() {
    SecretSources sources =
        new SecretSources(
            Map.of("MULTILINE", "line-one-secret\nline-two-secret"),
            path -> "file-secret\u0000inside".getBytes(StandardCharsets.UTF_8));

    Throwable fromEnv =
        catchThrowable(() -> parse(withHeader("${env:MULTILINE}"), sources, new ArrayList<>()));
    Throwable fromFile =
        catchThrowable(() -> parse(withHeader("${file:/x}"), sources, new ArrayList<>()));

    assertThat(fromEnv)
        .hasMessageContaining("the value contains a line break")
        .hasMessageNotContaining("secret");
    assertThat(fromFile)
        .hasMessageContaining("the value contains a line break")
        .hasMessageNotContaining("secret");
  }

  @Test
  void anUpstreamUrlWithUserInformationOrAReferenceIsRefusedWithoutShowingIt() {
    Throwable userInfo =
        catchThrowable(
            () ->
                parse(
                    "routes:\n  - name: a\n    path: /a\n"
                        + "    upstream: https://me:pa55word@h/a?x=1#frag\n"));
    Throwable reference =
        catchThrowable(
            () ->
                parse(
                    "routes:\n  - name: a\n    path: /a\n"
                        + "    upstream: https://h/a?key=${env:API_TOKEN}\n"));

    assertThat(userInfo)
        .hasMessageContaining("line 4: route 'a': the upstream URL must not hold credentials")
        .hasMessageNotContaining("pa55word");
    assertThat(reference)
        .hasMessageContaining("put a key from a variable or a file in upstreamQuery")
        .hasMessageNotContaining("token-from-env");
  }

  @Test
  void routesFileRoutesRejectUnknownParametersUnlessTheySayIgnore() {
    List<RouteConfig> routes =
        parse(
            """
            routes:
              - name: strict
                path: /strict
                upstream: http://127.0.0.1:9/strict
                params:
                  country: {}
                  limit: {type: integer}
              - name: lenient
                path: /lenient
                upstream: http://127.0.0.1:9/lenient
                params:
                  country: {}
                unknownParams: ignore
            """);
    Route strict = routes.get(0).route();
    Route lenient = routes.get(1).route();
    Map<String, List<String>> query =
        Map.of("country", List.of("Chile"), "utm_source", List.of("x"));

    Throwable refusal = catchThrowable(() -> strict.key("ns", query));

    assertThat(refusal)
        .isInstanceOf(InvalidRequestException.class)
        .hasMessage("unknown parameter 'utm_source'; this route accepts country, limit");
    assertThat(lenient.key("ns", query).params()).containsOnlyKeys("country");
    assertThat(ConfigLoader.from(Map.of()).routes().get(0).route().unknownParams())
        .as("the built-in route ignores them, as the tutorial did")
        .isEqualTo(Route.UnknownParams.IGNORE);
  }

  @Test
  void aRouteWithoutParametersIsWarnedAboutAtStart() {
    List<String> warnings = new ArrayList<>();

    Route route =
        parse(
                """
                routes:
                  - name: status
                    path: /status
                    upstream: http://127.0.0.1:9/status
                """,
                SOURCES,
                warnings)
            .get(0)
            .route();

    assertThat(warnings)
        .containsExactly(
            "routes.yml line 2: route 'status' has no params: every request to /status shares one"
                + " cache entry (a request with a parameter is refused)");
    assertThat(catchThrowable(() -> route.key("ns", Map.of("limit", List.of("1")))))
        .hasMessage("unknown parameter 'limit'; this route accepts no parameters");
  }

  @Test
  void aTlsCaFileIsTakenPerRouteOverTheGlobalOne(@org.junit.jupiter.api.io.TempDir Path dir)
      throws IOException {
    Path ca = java.nio.file.Files.writeString(dir.resolve("ca.pem"), "-----BEGIN CERTIFICATE-----");

    Path file =
        java.nio.file.Files.writeString(
            dir.resolve("routes.yml"),
            "routes:\n  - name: a\n    path: /a\n    upstream: https://h/a\n    params: {q: {}}\n");
    List<RouteConfig> routes = ConfigLoader.from(Map.of("UPSTREAM_TLS_CA", ca.toString())).routes();
    List<RouteConfig> fromFile =
        ConfigLoader.from(
                Map.of("UPSTREAM_TLS_CA", ca.toString(), "CACHEGATE_ROUTES", file.toString()))
            .routes();
    RouteConfig own =
        parse(
                "routes:\n  - name: a\n    path: /a\n    upstream: https://h/a\n"
                    + "    upstreamTlsCa: "
                    + ca
                    + "\n")
            .get(0);

    assertThat(routes.get(0).upstream().tlsCaFile()).isEqualTo(ca.toString());
    assertThat(fromFile.get(0).upstream().tlsCaFile())
        .as("the global file for a routes-file route that names none")
        .isEqualTo(ca.toString());
    assertThat(own.upstream().tlsCaFile()).isEqualTo(ca.toString());
    assertThat(catchThrowable(() -> ConfigLoader.from(Map.of("UPSTREAM_TLS_CA", "/nowhere.pem"))))
        .hasMessage("UPSTREAM_TLS_CA must be a readable PEM file, was '/nowhere.pem'");
  }

  private static String withHeader(String value) {
    return "routes:\n  - name: a\n    path: /a\n    upstream: http://h/a\n    upstreamHeaders:\n"
        + "      X-Key: '"
        + value
        + "'\n";
  }

  private static List<RouteConfig> parse(String text) {
    return parse(text, SOURCES, new ArrayList<>());
  }

  private static List<RouteConfig> parse(
      String text, SecretSources sources, List<String> warnings) {
    return RoutesFile.parse(
        "routes.yml", text, DEFAULTS, UPSTREAM_DEFAULTS, warnings::add, sources);
  }
}
