package cachegate.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class DotEnvTest {

  @Test
  void theTutorialsDotEnvParses() {
    String content =
        """
        CACHE_TYPE=RedisCache
        CACHE_REDIS_HOST=redis
        CACHE_REDIS_PORT=6379
        CACHE_REDIS_DB=0
        CACHE_REDIS_URL=redis://redis:6379/0
        CACHE_DEFAULT_TIMEOUT=500
        """;

    Map<String, String> variables = DotEnv.parse(content);

    assertThat(variables)
        .containsExactly(
            Map.entry("CACHE_TYPE", "RedisCache"),
            Map.entry("CACHE_REDIS_HOST", "redis"),
            Map.entry("CACHE_REDIS_PORT", "6379"),
            Map.entry("CACHE_REDIS_DB", "0"),
            Map.entry("CACHE_REDIS_URL", "redis://redis:6379/0"),
            Map.entry("CACHE_DEFAULT_TIMEOUT", "500"));
  }

  @Test
  void commentsAndBlankLinesAreSkipped() {
    String content = "# settings\n\n   \n  # indented comment\nPORT=5000\n\n";

    Map<String, String> variables = DotEnv.parse(content);

    assertThat(variables).containsExactly(Map.entry("PORT", "5000"));
  }

  @ParameterizedTest(name = "[{0}] -> [{1}]")
  @CsvSource(
      delimiter = '|',
      quoteCharacter = '`',
      value = {
        "KEY=value                 | value",
        "KEY = value               | value",
        "  KEY=value               | value",
        "export KEY=value          | value",
        "export   KEY=value        | value",
        "KEY='single quoted'       | single quoted",
        "KEY=\"double quoted\"     | double quoted",
        "KEY='  padded  '          | `  padded  `",
        "KEY=\"a # not a comment\" | a # not a comment",
        "KEY='a # not a comment'   | a # not a comment",
        "KEY=\"quoted\" # comment  | quoted",
        "KEY=value # comment       | value",
        "KEY=value#not-a-comment   | value#not-a-comment",
        "KEY=a=b=c                 | a=b=c",
        "KEY=redis://:p=w@h:1/0    | redis://:p=w@h:1/0",
        "KEY=                      | ``",
        "KEY=''                    | ``",
        "KEY=\"\"                  | ``",
        "KEY=two words             | two words",
      })
  void aLineDefinesOneVariable(String line, String expected) {
    String content = line + "\n";

    Map<String, String> variables = DotEnv.parse(content);

    assertThat(variables).containsExactly(Map.entry("KEY", expected));
  }

  @Test
  void aLaterLineWinsOverAnEarlierOne() {
    String content = "PORT=5000\nCACHE_TYPE=simple\nPORT=8080\n";

    Map<String, String> variables = DotEnv.parse(content);

    assertThat(variables).containsEntry("PORT", "8080").containsEntry("CACHE_TYPE", "simple");
    assertThat(variables).hasSize(2);
  }

  @Test
  void windowsLineEndingsAreAccepted() {
    String content = "PORT=5000\r\nCACHE_TYPE=simple\r\n";

    Map<String, String> variables = DotEnv.parse(content);

    assertThat(variables)
        .containsExactly(Map.entry("PORT", "5000"), Map.entry("CACHE_TYPE", "simple"));
  }

  @ParameterizedTest(name = "[{0}] on line 3")
  @CsvSource(
      delimiter = '|',
      value = {"JUST_A_NAME", "=value", "export", "export =x"})
  void aMalformedLineIsRefusedNamingItsLineNumber(String malformed) {
    String content = "# header\nPORT=5000\n" + malformed + "\nCACHE_TYPE=simple\n";

    Throwable error = catchThrowable(() -> DotEnv.parse(content));

    assertThat(error).isInstanceOf(ConfigException.class).hasMessageContaining("line 3");
  }

  @Test
  void anEmptyFileDefinesNothing() {
    String content = "";

    Map<String, String> variables = DotEnv.parse(content);

    assertThat(variables).isEmpty();
  }
}
