package cachegate.upstream;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class HttpUpstreamJsonTest {

  @ParameterizedTest(name = "[{0}]")
  @ValueSource(
      strings = {
        "[]",
        "[{\"a\":1}]",
        "{}",
        "\"x\"",
        "0",
        "null",
        "true",
        "  [] ",
        "\n\t[{\"name\": \"TU Berlin\", \"domains\": [\"tu-berlin.de\"]}]\r\n",
        "[\"é 日本 😀\"]",
      })
  void exactlyOneJsonValueHasNoProblem(String body) {
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);

    Optional<String> problem = HttpUpstream.jsonProblem(bytes);

    assertThat(problem).isEmpty();
  }

  @ParameterizedTest(name = "[{0}]")
  @ValueSource(
      strings = {
        "",
        "   ",
        "<html>",
        "<html><body>502 Bad Gateway</body></html>",
        "[1,",
        "[1] [2]",
        "{} {}",
        "[1]]",
        "nul",
        "\"unterminated",
        "{\"a\":}",
        "[1] x",
        "[01]",
      })
  void anythingButExactlyOneJsonValueIsAProblem(String body) {
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);

    Optional<String> problem = HttpUpstream.jsonProblem(bytes);

    assertThat(problem).isPresent();
    assertThat(problem.get()).isNotBlank();
  }

  @Test
  void invalidUtf8InsideAStringIsAProblem() {
    byte[] bytes = {'[', '"', (byte) 0xC3, 0x28, '"', ']'};

    Optional<String> problem = HttpUpstream.jsonProblem(bytes);

    assertThat(problem).isPresent();
  }

  @Test
  void aBodyWithoutBytesIsAnEmptyBody() {
    byte[] bytes = new byte[0];

    Optional<String> problem = HttpUpstream.jsonProblem(bytes);

    assertThat(problem).contains("empty body");
  }
}
