package cachegate.config;

import java.net.URI;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

/**
 * Whether and where traces are sent, from OpenTelemetry's standard variables ({@link
 * TracingSettings} reads them). Immutable.
 *
 * @param exporter where spans go; {@link Exporter#NONE} traces nothing and loads no tracing library
 * @param endpoint the OTLP/HTTP URL spans are posted to ({@code .../v1/traces})
 * @param serviceName the {@code service.name} resource attribute
 * @param resourceAttributes further resource attributes ({@code deployment.environment=prod})
 * @param sampler which traces are recorded
 * @param samplerRatio the share of traces a ratio sampler records, in [0, 1]
 */
public record TracingConfig(
    Exporter exporter,
    URI endpoint,
    String serviceName,
    Map<String, String> resourceAttributes,
    Sampler sampler,
    double samplerRatio) {

  /** OpenTelemetry's default OTLP/HTTP endpoint: a collector on this host. */
  public static final URI DEFAULT_ENDPOINT = URI.create("http://localhost:4318");

  public static final String DEFAULT_SERVICE_NAME = "cachegate";

  /** Traces nothing: the default. */
  public static final TracingConfig OFF =
      new TracingConfig(
          Exporter.NONE,
          URI.create(DEFAULT_ENDPOINT + "/v1/traces"),
          DEFAULT_SERVICE_NAME,
          Map.of(),
          Sampler.PARENTBASED_ALWAYS_ON,
          1.0);

  /** {@code OTEL_TRACES_EXPORTER}'s values that cachegate understands. */
  public enum Exporter {
    NONE,
    /** OTLP over HTTP with protobuf bodies. */
    OTLP
  }

  /** {@code OTEL_TRACES_SAMPLER}'s values, as OpenTelemetry's SDKs name them. */
  public enum Sampler {
    ALWAYS_ON,
    ALWAYS_OFF,
    TRACEIDRATIO,
    PARENTBASED_ALWAYS_ON,
    PARENTBASED_ALWAYS_OFF,
    PARENTBASED_TRACEIDRATIO;

    /** The value as the variable spells it: {@code parentbased_always_on}. */
    public String spelled() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  public TracingConfig {
    Objects.requireNonNull(exporter, "exporter");
    Objects.requireNonNull(endpoint, "endpoint");
    Objects.requireNonNull(serviceName, "serviceName");
    Objects.requireNonNull(sampler, "sampler");
    resourceAttributes = Map.copyOf(resourceAttributes);
    if (!(samplerRatio >= 0 && samplerRatio <= 1)) {
      throw new ConfigException(
          "OTEL_TRACES_SAMPLER_ARG must be a number from 0 to 1, was " + samplerRatio);
    }
  }

  /** Whether spans are recorded and sent at all. */
  public boolean isOn() {
    return exporter != Exporter.NONE;
  }
}
