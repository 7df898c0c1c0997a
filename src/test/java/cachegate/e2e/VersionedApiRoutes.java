package cachegate.e2e;

import cachegate.engine.ManualClock;
import cachegate.support.GatewayUnderTest;
import cachegate.support.VersionedApi;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link RedisAndUpstream} with {@link VersionedApi} beside it, emptied before each test, and
 * cachegate instances serving a routes file on it, on a manual clock.
 */
abstract class VersionedApiRoutes extends RedisAndUpstream {
  /** The key {@link VersionedApi} asks for on its private items. */
  static final String API_KEY = "versioned-api-key-4711";

  static VersionedApi api;

  @TempDir Path dir;

  final ManualClock clock = new ManualClock();

  @BeforeAll
  static void startApi() {
    api = VersionedApi.start(API_KEY);
  }

  @AfterAll
  static void stopApi() {
    api.close();
  }

  @BeforeEach
  void emptyApi() {
    api.reset();
  }

  /**
   * cachegate serving the routes of {@code routesFile} (in which {@code %1$s} is the API's URL),
   * and no built-in route, with {@code env} besides.
   */
  GatewayUnderTest gatewayOn(String routesFile, Map<String, String> env) throws IOException {
    Path routes = dir.resolve("routes.yml");
    Files.writeString(routes, routesFile.formatted(api.url()));
    Map<String, String> all = new HashMap<>(env);
    all.put("CACHEGATE_ROUTES", routes.toString());
    all.put("UNIVERSITIES_API_URL", "");
    return gateway(clock, all);
  }
}
