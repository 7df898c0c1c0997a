package cachegate.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class CachePolicyTest {

  @Test
  void aPolicyOfATtlHasTheDefaultWindowsJitterAndSizeLimit() {
    Duration ttl = Duration.ofSeconds(30);

    CachePolicy policy = CachePolicy.ofTtl(ttl);

    assertThat(policy.ttl()).isEqualTo(ttl);
    assertThat(policy.staleWhileRevalidate()).isEqualTo(Duration.ofSeconds(60));
    assertThat(policy.staleIfError()).isEqualTo(Duration.ofDays(1));
    assertThat(policy.ttlJitter()).isEqualTo(0.05);
    assertThat(policy.maxEntryBytes()).isEqualTo(5L * 1024 * 1024);
  }

  @ParameterizedTest(name = "ttl {0} s, swr {1} s, sie {2} s -> kept {3} s")
  @CsvSource({
    "30, 60, 86400, 86430",
    "30, 600, 60,   630",
    "30, 60, 60,    90",
    "30, 0,  60,    90",
    "30, 60, 0,     90",
    "30, 0,  0,     30",
  })
  void retentionIsTheTtlPlusTheLargerStaleWindow(
      long ttl, long swr, long sie, long expectedSeconds) {
    CachePolicy policy =
        new CachePolicy(
            Duration.ofSeconds(ttl),
            Duration.ofSeconds(swr),
            Duration.ofSeconds(sie),
            0,
            CachePolicy.DEFAULT_MAX_ENTRY_BYTES);

    Duration retention = policy.retention();

    assertThat(retention).isEqualTo(Duration.ofSeconds(expectedSeconds));
  }

  @ParameterizedTest(name = "ttl {0} ms, swr {1} ms, sie {2} ms, jitter {3}, max {4} -> names {5}")
  @CsvSource({
    "0,     0,  0,  0,    1, was 0s",
    "-1000, 0,  0,  0,    1, was -1s",
    "1000,  -1, 0,  0,    1, were -1ms and 0s",
    "1000,  0,  -1, 0,    1, were 0s and -1ms",
    "1000,  0,  0,  -0.1, 1, -0.1",
    "1000,  0,  0,  1.0,  1, 1.0",
    "1000,  0,  0,  NaN,  1, NaN",
    "1000,  0,  0,  0,    0, 0",
  })
  void anInvalidPolicyIsRefusedNamingTheValue(
      long ttl, long swr, long sie, double jitter, long maxEntryBytes, String named) {
    Throwable error =
        catchThrowable(
            () ->
                new CachePolicy(
                    Duration.ofMillis(ttl),
                    Duration.ofMillis(swr),
                    Duration.ofMillis(sie),
                    jitter,
                    maxEntryBytes));

    assertThat(error).isInstanceOf(IllegalArgumentException.class).hasMessageContaining(named);
  }
}
