package cachegate.soak;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * What cachegate's {@code /metrics} said at one moment about its limits: {@code
 * cachegate_limits_reached_total} by limit and route, and the gauges of what it holds ({@code
 * cachegate_upstream_buffered_bytes}, {@code cachegate_client_connections}).
 *
 * @param limits times each limit was reached, by limit, then by route ({@code ""} for limits on
 *     client connections)
 * @param gauges each gauge's value
 */
record GatewayMetrics(Map<String, Map<String, Long>> limits, Map<String, Double> gauges) {
  private static final String LIMITS = "cachegate_limits_reached_total{";
  private static final String[] GAUGES = {
    "cachegate_upstream_buffered_bytes", "cachegate_client_connections"
  };
  private static final Pattern LABEL = Pattern.compile("(limit|route)=\"([^\"]*)\"");

  GatewayMetrics {
    limits = Map.copyOf(limits);
    gauges = Map.copyOf(gauges);
  }

  /** Reads {@code uri}, cachegate's {@code /metrics}. */
  static GatewayMetrics scrape(HttpClient http, URI uri) throws IOException, InterruptedException {
    HttpResponse<String> answer =
        http.send(
            HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(10)).build(),
            HttpResponse.BodyHandlers.ofString());
    if (answer.statusCode() != 200) {
      throw new IOException(uri + " answered " + answer.statusCode());
    }
    Map<String, Map<String, Long>> limits = new TreeMap<>();
    Map<String, Double> gauges = new TreeMap<>();
    for (String line : answer.body().split("\n")) {
      double value;
      try {
        value = Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
      } catch (NumberFormatException notASample) {
        continue;
      }
      if (line.startsWith(LIMITS)) {
        Map<String, String> labels = labels(line.substring(0, line.lastIndexOf('}')));
        limits
            .computeIfAbsent(labels.getOrDefault("limit", "?"), any -> new TreeMap<>())
            .merge(labels.getOrDefault("route", ""), Math.round(value), Long::sum);
      }
      for (String gauge : GAUGES) {
        if (line.startsWith(gauge + " ") || line.startsWith(gauge + "{")) {
          gauges.merge(gauge, value, Double::sum);
        }
      }
    }
    return new GatewayMetrics(limits, gauges);
  }

  /** E.g. {@code client-header-timeout 4,000; upstream-buffer-full 40 (huge 8, large 32)}. */
  String describeLimits() {
    if (limits.isEmpty()) {
      return "none reached";
    }
    return limits.entrySet().stream()
        .map(
            limit -> {
              Map<String, Long> routes = limit.getValue();
              long total = routes.values().stream().mapToLong(Long::longValue).sum();
              String byRoute =
                  routes.keySet().equals(Set.of(""))
                      ? ""
                      : routes.entrySet().stream()
                          .map(route -> route.getKey() + " " + count(route.getValue()))
                          .collect(Collectors.joining(", ", " (", ")"));
              return "`" + limit.getKey() + "` " + count(total) + byRoute;
            })
        .collect(Collectors.joining("; "));
  }

  /** E.g. {@code cachegate_client_connections 35, cachegate_upstream_buffered_bytes 0}. */
  String describeGauges() {
    return new TreeMap<>(gauges)
        .entrySet().stream()
            .map(gauge -> "`" + gauge.getKey() + "` " + count(Math.round(gauge.getValue())))
            .collect(Collectors.joining(", "));
  }

  private static Map<String, String> labels(String line) {
    Map<String, String> labels = new TreeMap<>();
    Matcher label = LABEL.matcher(line);
    while (label.find()) {
      labels.put(label.group(1), label.group(2));
    }
    return labels;
  }

  private static String count(long n) {
    return String.format(Locale.ROOT, "%,d", n);
  }
}
