package cachegate.engine;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class UpstreamResponseTest {
  private static UpstreamResponse answer(String cacheControl, List<String> cookies) {
    return new UpstreamResponse(
        200, "application/json", new UpstreamBody.Whole(new byte[] {'1'}), cookies, cacheControl);
  }

  @ParameterizedTest(name = "Cache-Control: ''{0}'' -> {1}")
  @CsvSource({
    "'', true",
    "max-age=60, true",
    "public, true",
    "x-private, true",
    "no-storage, true",
    "private, false",
    "Private, false",
    "no-store, false",
    "'public, no-store', false",
    "'max-age=0,private', false",
    "'private=\"Set-Cookie\"', false",
    "'no-cache no-store', false"
  })
  void anAnswerIsStorableUnlessItsCacheControlSaysPrivateOrNoStore(
      String cacheControl, boolean storable) {
    assertThat(answer(cacheControl, List.of()).isStorable()).isEqualTo(storable);
  }

  @Test
  void anAnswerThatSetsACookieIsNotStorable() {
    assertThat(answer("", List.of("session=1")).isStorable()).isFalse();
  }
}
