package cachegate.soak;

import static org.assertj.core.api.Assertions.assertThat;

import cachegate.config.ConfigLoader;
import cachegate.config.RouteConfig;
import cachegate.support.BuiltInRoute;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SoakRoutesTest {
  @Test
  void theSoaksRoutesFileLoadsWithTheBuiltInRouteTheBudgetedRouteAndTheLargeOnes(
      @TempDir Path directory) {
    Path file =
        SoakRoutes.write(
            directory, "http://127.0.0.1:8001", "http://127.0.0.1:8002", Duration.ofSeconds(5));

    List<RouteConfig> routes =
        ConfigLoader.from(Map.of("CACHEGATE_ROUTES", file.toString())).routes();

    assertThat(routes)
        .extracting(route -> route.route().name())
        .containsExactly("universities", "budgeted", "huge", "large");
    assertThat(routes.get(0).route())
        .isEqualTo(BuiltInRoute.universities(URI.create("http://127.0.0.1:8001")));
    assertThat(routes.get(0).policy().ttl()).isEqualTo(Duration.ofSeconds(5));
    assertThat(routes.get(1).upstream().rateLimit().toString())
        .isEqualTo(
            ConfigLoader.from(Map.of("UPSTREAM_RATE_LIMIT", SoakRoutes.BUDGET))
                .routes()
                .get(0)
                .upstream()
                .rateLimit()
                .toString());
  }
}
