package cachegate.config;

import cachegate.config.TracingConfig.Exporter;
import cachegate.config.TracingConfig.Sampler;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * Reads OpenTelemetry's standard variables into a {@link TracingConfig}, as the SDK's
 * autoconfiguration would read them, for the few that cachegate understands. Tracing is on when
 * {@code OTEL_TRACES_EXPORTER=otlp}, or when that is unset and an OTLP endpoint is set; off
 * otherwise ({@code OTEL_TRACES_EXPORTER=none} always turns it off). Other exporters are refused by
 * name: cachegate sends OTLP over HTTP with protobuf bodies only.
 */
final class TracingSettings {
  private TracingSettings() {}

  static TracingConfig read(Env env) {
    Optional<String> traces = env.value("OTEL_TRACES_EXPORTER");
    Optional<String> tracesEndpoint = env.value("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT");
    Optional<String> endpoint = env.value("OTEL_EXPORTER_OTLP_ENDPOINT");
    Exporter exporter =
        traces
            .map(TracingSettings::exporter)
            .orElse(
                tracesEndpoint.isPresent() || endpoint.isPresent() ? Exporter.OTLP : Exporter.NONE);
    Map<String, String> resource = resourceAttributes(env.value("OTEL_RESOURCE_ATTRIBUTES"));
    String serviceName =
        env.value("OTEL_SERVICE_NAME")
            .orElse(resource.getOrDefault("service.name", TracingConfig.DEFAULT_SERVICE_NAME));
    resource.remove("service.name");
    Sampler sampler =
        env.value("OTEL_TRACES_SAMPLER")
            .map(TracingSettings::sampler)
            .orElse(Sampler.PARENTBASED_ALWAYS_ON);
    double ratio = env.value("OTEL_TRACES_SAMPLER_ARG").map(TracingSettings::ratio).orElse(1.0);
    URI target =
        tracesEndpoint
            .map(url -> url("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", url))
            .orElseGet(
                () ->
                    URI.create(
                        withoutTrailingSlash(
                                url(
                                        "OTEL_EXPORTER_OTLP_ENDPOINT",
                                        endpoint.orElse(TracingConfig.DEFAULT_ENDPOINT.toString()))
                                    .toString())
                            + "/v1/traces"));
    return new TracingConfig(exporter, target, serviceName, resource, sampler, ratio);
  }

  private static Exporter exporter(String value) {
    return switch (value.toLowerCase(Locale.ROOT)) {
      case "none" -> Exporter.NONE;
      case "otlp" -> Exporter.OTLP;
      default ->
          throw new ConfigException(
              "OTEL_TRACES_EXPORTER must be otlp or none, was '"
                  + value
                  + "' (cachegate sends traces as OTLP over HTTP only)");
    };
  }

  private static Sampler sampler(String value) {
    return Arrays.stream(Sampler.values())
        .filter(s -> s.spelled().equals(value.toLowerCase(Locale.ROOT)))
        .findFirst()
        .orElseThrow(
            () ->
                new ConfigException(
                    "OTEL_TRACES_SAMPLER must be one of "
                        + Arrays.stream(Sampler.values()).map(Sampler::spelled).toList()
                        + ", was '"
                        + value
                        + "'"));
  }

  private static double ratio(String value) {
    try {
      double ratio = Double.parseDouble(value);
      if (ratio >= 0 && ratio <= 1) {
        return ratio;
      }
    } catch (NumberFormatException e) {
      // reported below
    }
    throw new ConfigException(
        "OTEL_TRACES_SAMPLER_ARG must be a number from 0 to 1, was '" + value + "'");
  }

  private static URI url(String name, String value) {
    try {
      URI url = new URI(value);
      if (("http".equals(url.getScheme()) || "https".equals(url.getScheme()))
          && url.getHost() != null) {
        return url;
      }
    } catch (URISyntaxException e) {
      // reported below
    }
    throw new ConfigException(name + " must be an absolute http or https URL, was '" + value + "'");
  }

  private static String withoutTrailingSlash(String url) {
    return url.endsWith("/") ? url.substring(0, url.length() - 1) : url;
  }

  /** {@code key=value,key=value}, values percent-encoded (W3C Baggage's format). */
  private static Map<String, String> resourceAttributes(Optional<String> text) {
    Map<String, String> attributes = new LinkedHashMap<>();
    if (text.isEmpty()) {
      return attributes;
    }
    for (String pair : text.get().split(",")) {
      int equals = pair.indexOf('=');
      String key = equals < 0 ? "" : pair.substring(0, equals).strip();
      if (key.isEmpty()) {
        throw new ConfigException(
            "OTEL_RESOURCE_ATTRIBUTES must be key=value pairs separated by commas, found '"
                + pair.strip()
                + "'");
      }
      try {
        attributes.put(
            key, URLDecoder.decode(pair.substring(equals + 1).strip(), StandardCharsets.UTF_8));
      } catch (IllegalArgumentException e) {
        throw new ConfigException(
            "OTEL_RESOURCE_ATTRIBUTES: the value of " + key + " is not percent-encoded: " + e);
      }
    }
    return attributes;
  }
}
