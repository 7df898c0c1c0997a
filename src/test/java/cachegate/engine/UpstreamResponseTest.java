package cachegate.engine;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.EnumSource;

class UpstreamResponseTest {
  private static UpstreamResponse answer(String cacheControl, List<String> cookies) {
    return new UpstreamResponse(
        200, "application/json", new UpstreamBody.Whole(new byte[] {'1'}), cookies, cacheControl);
  }

  private static final CachePolicy.UpstreamPrivate REFUSE = CachePolicy.UpstreamPrivate.REFUSE;
  private static final CachePolicy.UpstreamPrivate STORE = CachePolicy.UpstreamPrivate.STORE;

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
    assertThat(answer(cacheControl, List.of()).isStorable(REFUSE)).isEqualTo(storable);
  }

  @ParameterizedTest(name = "Cache-Control: ''{0}'' -> {1}")
  @CsvSource({
    "'', true",
    "max-age=60, true",
    "private, true",
    "Private, true",
    "'private, max-age=60, s-maxage=60', true",
    "'private=\"Set-Cookie\"', true",
    "no-store, false",
    "'private, no-store', false",
    "'no-store,private', false",
    "'no-cache no-store', false"
  })
  void aRouteThatStoresPrivateAnswersStoresThemButNeverNoStore(
      String cacheControl, boolean storable) {
    assertThat(answer(cacheControl, List.of()).isStorable(STORE)).isEqualTo(storable);
  }

  @ParameterizedTest
  @EnumSource(CachePolicy.UpstreamPrivate.class)
  void anAnswerThatSetsACookieIsNeverStorable(CachePolicy.UpstreamPrivate upstreamPrivate) {
    assertThat(answer("", List.of("session=1")).isStorable(upstreamPrivate)).isFalse();
    assertThat(answer("private", List.of("session=1")).isStorable(upstreamPrivate)).isFalse();
  }
}
