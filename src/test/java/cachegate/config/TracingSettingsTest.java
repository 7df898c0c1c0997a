package cachegate.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;
import java.util.Map;
import org.junit.jupiter.api.Test;

class TracingSettingsTest {

  @Test
  void tracingIsOffUnlessAskedFor() {
    TracingConfig tracing = tracing(Map.of());

    assertThat(tracing.isOn()).isFalse();
    assertThat(tracing).isEqualTo(TracingConfig.OFF);
  }

  @Test
  void theOtlpExporterTurnsItOnWithOpenTelemetrysDefaultEndpoint() {
    TracingConfig tracing = tracing(Map.of("OTEL_TRACES_EXPORTER", "otlp"));

    assertThat(tracing.isOn()).isTrue();
    assertThat(tracing.endpoint()).isEqualTo(URI.create("http://localhost:4318/v1/traces"));
    assertThat(tracing.serviceName()).isEqualTo("cachegate");
    assertThat(tracing.sampler()).isEqualTo(TracingConfig.Sampler.PARENTBASED_ALWAYS_ON);
  }

  @Test
  void anEndpointAloneTurnsItOnAndGetsTheTracesPath() {
    TracingConfig tracing =
        tracing(Map.of("OTEL_EXPORTER_OTLP_ENDPOINT", "http://collector:4318/"));

    assertThat(tracing.isOn()).isTrue();
    assertThat(tracing.endpoint()).isEqualTo(URI.create("http://collector:4318/v1/traces"));
  }

  @Test
  void theTracesEndpointIsUsedAsItIsAndWins() {
    TracingConfig tracing =
        tracing(
            Map.of(
                "OTEL_EXPORTER_OTLP_ENDPOINT", "http://collector:4318",
                "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "https://traces.example/api/spans"));

    assertThat(tracing.endpoint()).isEqualTo(URI.create("https://traces.example/api/spans"));
  }

  @Test
  void exporterNoneTurnsItOffEvenWithAnEndpoint() {
    TracingConfig tracing =
        tracing(
            Map.of(
                "OTEL_TRACES_EXPORTER", "none",
                "OTEL_EXPORTER_OTLP_ENDPOINT", "http://collector:4318"));

    assertThat(tracing.isOn()).isFalse();
  }

  @Test
  void anotherExporterIsRefusedByName() {
    assertThatThrownBy(() -> tracing(Map.of("OTEL_TRACES_EXPORTER", "zipkin")))
        .isInstanceOf(ConfigException.class)
        .hasMessage(
            "OTEL_TRACES_EXPORTER must be otlp or none, was 'zipkin' (cachegate sends traces as"
                + " OTLP over HTTP only)");
  }

  @Test
  void anEndpointThatIsNoHttpUrlIsRefused() {
    assertThatThrownBy(() -> tracing(Map.of("OTEL_EXPORTER_OTLP_ENDPOINT", "collector:4318")))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("OTEL_EXPORTER_OTLP_ENDPOINT must be an absolute http or https URL");
  }

  @Test
  void serviceNameAndResourceAttributesAreRead() {
    TracingConfig tracing =
        tracing(
            Map.of(
                "OTEL_TRACES_EXPORTER", "otlp",
                "OTEL_SERVICE_NAME", "gateway-eu",
                "OTEL_RESOURCE_ATTRIBUTES",
                    "deployment.environment=prod, team=api%20platform,service.name=ignored"));

    assertThat(tracing.serviceName()).isEqualTo("gateway-eu");
    assertThat(tracing.resourceAttributes())
        .containsExactlyInAnyOrderEntriesOf(
            Map.of("deployment.environment", "prod", "team", "api platform"));
  }

  @Test
  void theServiceNameMayComeFromTheResourceAttributes() {
    TracingConfig tracing = tracing(Map.of("OTEL_RESOURCE_ATTRIBUTES", "service.name=edge"));

    assertThat(tracing.serviceName()).isEqualTo("edge");
    assertThat(tracing.resourceAttributes()).isEmpty();
  }

  @Test
  void aMalformedResourceAttributeIsRefused() {
    assertThatThrownBy(() -> tracing(Map.of("OTEL_RESOURCE_ATTRIBUTES", "prod")))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("OTEL_RESOURCE_ATTRIBUTES must be key=value pairs")
        .hasMessageContaining("'prod'");
  }

  @Test
  void theSamplerAndItsRatioAreRead() {
    TracingConfig tracing =
        tracing(
            Map.of(
                "OTEL_TRACES_SAMPLER", "parentbased_traceidratio",
                "OTEL_TRACES_SAMPLER_ARG", "0.25"));

    assertThat(tracing.sampler()).isEqualTo(TracingConfig.Sampler.PARENTBASED_TRACEIDRATIO);
    assertThat(tracing.samplerRatio()).isEqualTo(0.25);
  }

  @Test
  void anUnknownSamplerOrARatioOutsideZeroToOneIsRefused() {
    assertThatThrownBy(() -> tracing(Map.of("OTEL_TRACES_SAMPLER", "sometimes")))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("OTEL_TRACES_SAMPLER must be one of")
        .hasMessageContaining("'sometimes'");
    assertThatThrownBy(() -> tracing(Map.of("OTEL_TRACES_SAMPLER_ARG", "1.5")))
        .isInstanceOf(ConfigException.class)
        .hasMessage("OTEL_TRACES_SAMPLER_ARG must be a number from 0 to 1, was '1.5'");
  }

  private static TracingConfig tracing(Map<String, String> env) {
    return ConfigLoader.from(env).tracing();
  }
}
