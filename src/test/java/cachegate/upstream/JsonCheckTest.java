package cachegate.upstream;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class JsonCheckTest {

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

    Optional<String> problem = JsonCheck.problemWith(bytes);

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

    Optional<String> problem = JsonCheck.problemWith(bytes);

    assertThat(problem).isPresent();
    assertThat(problem.get()).isNotBlank();
  }

  @Test
  void invalidUtf8InsideAStringIsAProblem() {
    byte[] bytes = {'[', '"', (byte) 0xC3, 0x28, '"', ']'};

    Optional<String> problem = JsonCheck.problemWith(bytes);

    assertThat(problem).isPresent();
  }

  @Test
  void aBodyWithoutBytesIsAnEmptyBody() {
    byte[] bytes = new byte[0];

    Optional<String> problem = JsonCheck.problemWith(bytes);

    assertThat(problem).contains("empty body");
  }

  @ParameterizedTest(name = "[{0}]")
  @ValueSource(
      strings = {
        "[{\"name\": \"TU Berlin\", \"domains\": [\"tu-berlin.de\"]}]",
        "[1] [2]",
        "[\"é 日本 😀\"]",
        "<html><body>502 Bad Gateway</body></html>",
        "[1,",
      })
  void aBodyFedAByteAtATimeGetsTheSameVerdictAsWhole(String body) {
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    JsonCheck check = new JsonCheck();

    for (int i = 0; i < bytes.length; i++) {
      check.feed(bytes, i, 1);
    }

    assertThat(check.end().isPresent()).isEqualTo(JsonCheck.problemWith(bytes).isPresent());
  }

  @ParameterizedTest(name = "[{0}]")
  @ValueSource(
      strings = {
        "{\"a\":}",
        "{\"a\":1,}",
        "{\"a\":1,\"b\":}",
        "[{\"a\":}]",
        "{\"a\": \n }",
        "{\"a\":1 , \t}",
        "[1,]",
        "{\"a\":1}",
        "[{\"a, b\":\"c: d,\"}]",
      })
  void aBodySplitInTwoAnywhereGetsTheSameVerdictAsWhole(String body) {
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    boolean whole = JsonCheck.problemWith(bytes).isPresent();

    for (int split = 0; split <= bytes.length; split++) {
      JsonCheck check = new JsonCheck();
      check.feed(bytes, 0, split);
      check.feed(bytes, split, bytes.length - split);

      assertThat(check.end().isPresent()).as("split at %d", split).isEqualTo(whole);
    }
  }

  @Test
  void aBodyThatStopsBeingJsonIsReportedBeforeItEnds() {
    JsonCheck check = new JsonCheck();
    byte[] start = "[{\"a\":1},".getBytes(StandardCharsets.UTF_8);
    byte[] garbage = "<html>".getBytes(StandardCharsets.UTF_8);

    boolean stillJson = check.feed(start, 0, start.length);
    boolean afterGarbage = check.feed(garbage, 0, garbage.length);

    assertThat(stillJson).isTrue();
    assertThat(afterGarbage).isFalse();
  }
}
