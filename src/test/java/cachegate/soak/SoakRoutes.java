package cachegate.soak;

import cachegate.soak.LargeAnswerClients.LargeRoute;
import cachegate.support.BuiltInRoute;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

/**
 * The soak's routes file ({@code CACHEGATE_ROUTES}): the built-in universities route as
 * examples/routes.yml writes it out, with the soak's TTL, in front of the fake universities API;
 * and the two routes of {@link HostileFaults} in front of a {@link
 * cachegate.support.HostileUpstream}, each with its own upstream limits, so that their traffic does
 * not take the universities route's places. The large route keeps its entries for their TTL only
 * (no stale windows), so that the bursts' entries do not pile up in Redis for a day. A third route
 * in front of the universities API, {@link #BUDGETED}, has a rate budget of {@link #BUDGET}.
 */
final class SoakRoutes {
  /** The path of the rate-budgeted route. */
  static final String BUDGETED = "/budgeted";

  /** Its budget: well below what its share of the clients asks when its entries expire. */
  static final String BUDGET = "5/s";

  private SoakRoutes() {}

  /** Writes the file as {@code directory/routes.yml} and returns its path. */
  static Path write(Path directory, String universitiesUrl, String hostileUrl, Duration ttl) {
    String yaml =
        "routes:\n"
            + BuiltInRoute.routesFileEntry(universitiesUrl, ttl)
            + """
              - name: budgeted
                path: %s
                upstream: %s/search
                params:
                  country: {type: string, lowercase: true, required: true}
                ttl: %d
                upstreamRateLimit: %s
            %s%s"""
                .formatted(
                    BUDGETED,
                    universitiesUrl,
                    ttl.toSeconds(),
                    BUDGET,
                    large("huge", HostileFaults.HUGE, hostileUrl, ttl),
                    large("large", HostileFaults.LARGE, hostileUrl, ttl));
    try {
      Files.createDirectories(directory);
      Path file = directory.resolve("routes.yml");
      Files.writeString(file, yaml);
      return file.toAbsolutePath();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static String large(String name, LargeRoute route, String hostileUrl, Duration ttl) {
    return """
          - name: %s
            path: %s
            upstream: %s%s
            params:
              q: {type: string, required: true}
            ttl: %d
            staleWhileRevalidate: 0
            staleIfError: 0
        """
        .formatted(name, route.path(), hostileUrl, route.upstreamPath(), ttl.toSeconds());
  }
}
