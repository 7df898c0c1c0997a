package cachegate.engine;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.ConnectException;
import java.util.concurrent.CompletionException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class FailuresTest {
  @ParameterizedTest(name = "{0}")
  @CsvSource(
      delimiter = '|',
      value = {
        "Unable to connect to 127.0.0.1/<unresolved>:5197 | Unable to connect to 127.0.0.1:5197",
        "Unable to connect to redis/172.18.0.2:6379 | Unable to connect to redis:6379",
        "Connection refused: /127.0.0.1:9 | Connection refused: 127.0.0.1:9",
        "Connection refused: localhost/[0:0:0:0:0:0:0:1]:6379 | Connection refused: localhost:6379",
        "Connection refused: /[0:0:0:0:0:0:0:1]:6379 | Connection refused: [0:0:0:0:0:0:0:1]:6379",
        "upstream GET http://127.0.0.1:9/search?country=chile failed"
            + " | upstream GET http://127.0.0.1:9/search?country=chile failed",
        "Redis redis://redis:6379/0 failed GET cachegate:v2:{universities:country=chile}"
            + " | Redis redis://redis:6379/0 failed GET cachegate:v2:{universities:country=chile}",
      })
  void socketAddressesAreWrittenAsPeopleWriteThemAndNothingElseChanges(String text, String plain) {
    String written = Failures.plainAddresses(text);

    assertThat(written).isEqualTo(plain);
  }

  @Test
  void aFailureIsDescribedByItsMessageAndWhatItsRootCauseAdds() {
    IOException lettuce =
        new IOException(
            "Unable to connect to 127.0.0.1/<unresolved>:5197",
            new IOException(
                "Connection refused: /127.0.0.1:5197", new ConnectException("Connection refused")));

    String described = Failures.describe(new CompletionException(lettuce));

    assertThat(described).isEqualTo("Unable to connect to 127.0.0.1:5197: Connection refused");
  }

  @Test
  void aRootCauseTheMessageAlreadySaysIsNotRepeated() {
    StoreException store =
        new StoreException(
            "Redis redis://127.0.0.1:5197/0 failed GET k: Connection refused",
            new ConnectException("Connection refused"));

    String described = Failures.describe(store);

    assertThat(described)
        .isEqualTo("Redis redis://127.0.0.1:5197/0 failed GET k: Connection refused");
  }
}
