package cachegate.engine;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Optional;
import org.junit.jupiter.api.Test;

class ValidatorsTest {
  private static final String ETAG = "\"v1\"";
  private static final String DATE = "Wed, 21 Oct 2015 07:28:00 GMT";

  @Test
  void headersAreKeptStrippedAndAbsentOnesAreEmpty() {
    Validators validators = Validators.of(Optional.of(" " + ETAG + " "), Optional.empty());

    assertThat(validators).isEqualTo(new Validators(ETAG, ""));
    assertThat(validators.isPresent()).isTrue();
    assertThat(Validators.of(Optional.empty(), Optional.empty()).isPresent()).isFalse();
  }

  @Test
  void aValidatorLongerThanTheLimitOrWithControlCharactersIsNotKept() {
    String longest = "\"" + "x".repeat(Validators.MAX_LENGTH - 2) + "\"";

    assertThat(Validators.of(Optional.of(longest), Optional.of(DATE)).etag()).isEqualTo(longest);
    assertThat(Validators.of(Optional.of(longest + "y"), Optional.of(DATE)))
        .isEqualTo(new Validators("", DATE));
    assertThat(Validators.of(Optional.of("\"a\u0000b\""), Optional.empty()).isPresent()).isFalse();
  }

  @Test
  void a304sValidatorsReplaceTheStoredOnesAndThoseItLeavesOutAreKept() {
    Validators stored = new Validators(ETAG, DATE);

    assertThat(stored.updatedBy(new Validators("\"v2\"", "")))
        .isEqualTo(new Validators("\"v2\"", DATE));
    assertThat(stored.updatedBy(Validators.NONE)).isEqualTo(stored);
  }
}
