package cachegate.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import cachegate.engine.CachePolicy;
import cachegate.engine.RateLimit;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** {@code UPSTREAM_RATE_LIMIT} and a route's {@code upstreamRateLimit}. */
class RateLimitConfigTest {
  private static final UpstreamConfig UPSTREAM_DEFAULTS =
      new UpstreamConfig(Duration.ofSeconds(10), 32, 256, Duration.ofSeconds(4));

  @Test
  void theBuiltInRouteHasNoBudgetUnlessOneIsSet() {
    assertThat(ConfigLoader.from(Map.of()).routes().get(0).upstream().rateLimit())
        .isEqualTo(RateLimit.NONE);
    assertThat(
            ConfigLoader.from(Map.of("UPSTREAM_RATE_LIMIT", "600/min"))
                .routes()
                .get(0)
                .upstream()
                .rateLimit())
        .isEqualTo(RateLimit.parse("600/min"));
  }

  @Test
  void aBadLimitIsRefusedNamingTheVariable() {
    assertThatThrownBy(() -> ConfigLoader.from(Map.of("UPSTREAM_RATE_LIMIT", "10 per second")))
        .isInstanceOf(ConfigException.class)
        .hasMessageStartingWith("UPSTREAM_RATE_LIMIT must be calls per period")
        .hasMessageContaining("'10 per second'");
  }

  @Test
  void aRouteInARoutesFileSetsItsOwnAndABadOneIsRefusedNamingItsLine() {
    String file =
        """
        routes:
          - name: things
            path: /things
            upstream: http://127.0.0.1:9/things
            upstreamRateLimit: 10000/day
          - name: others
            path: /others
            upstream: http://127.0.0.1:9/others
            upstreamRateLimit: 5/week
        """;

    assertThatThrownBy(
            () ->
                RoutesFile.parse(
                    "routes.yml",
                    file,
                    CachePolicy.ofTtl(Duration.ofSeconds(30)),
                    UPSTREAM_DEFAULTS))
        .isInstanceOf(ConfigException.class)
        .hasMessageStartingWith("routes.yml line 9: route 'others': upstreamRateLimit must be");
    assertThat(
            RoutesFile.parse(
                    "routes.yml",
                    file.substring(0, file.indexOf("  - name: others")),
                    CachePolicy.ofTtl(Duration.ofSeconds(30)),
                    UPSTREAM_DEFAULTS)
                .get(0)
                .upstream()
                .rateLimit())
        .isEqualTo(RateLimit.parse("10000/day"));
  }
}
