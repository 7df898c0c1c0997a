package cachegate.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import java.net.URI;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ProxySettingsTest {

  @ParameterizedTest(name = "NO_PROXY={0}: {1} bypasses: {2}")
  @CsvSource(
      delimiter = '|',
      value = {
        "example.com | https://example.com/x | true",
        "example.com | https://api.example.com/x | true",
        ".example.com | https://api.example.com/x | true",
        "*.example.com | https://api.example.com/x | true",
        "example.com | https://badexample.com/x | false",
        "example.com | https://example.com.evil.net/x | false",
        "EXAMPLE.com | https://Api.Example.COM/x | true",
        "localhost,127.0.0.1 | http://127.0.0.1:8080/x | true",
        "localhost, 127.0.0.1 | http://localhost/x | true",
        "example.com:8443 | https://example.com:8443/x | true",
        "example.com:8443 | https://example.com/x | false",
        "example.com:443 | https://example.com/x | true",
        "* | https://anything.org/x | true",
        "[::1] | http://[::1]:81/x | true",
        "other.org | https://example.com/x | false",
      })
  void noProxyMatchesHostsAndEveryNameUnderThem(String noProxy, String url, boolean bypasses) {
    ProxySettings settings =
        ProxySettings.read(
            new Env(
                Map.of(
                    "HTTPS_PROXY",
                    "http://proxy:3128",
                    "HTTP_PROXY",
                    "http://proxy:3128",
                    "NO_PROXY",
                    noProxy)));

    OutboundProxy proxy = settings.forUpstream(URI.create(url));

    assertThat(proxy.isDirect()).isEqualTo(bypasses);
  }

  @Test
  void eachSchemeTakesItsOwnProxyAndLowerCaseFormsWin() {
    ProxySettings settings =
        ProxySettings.read(
            new Env(
                Map.of(
                    "HTTPS_PROXY", "http://upper:1",
                    "https_proxy", "http://lower:2",
                    "HTTP_PROXY", "plain:3")));

    assertThat(settings.forUpstream(URI.create("https://h/x")).host()).isEqualTo("lower");
    assertThat(settings.forUpstream(URI.create("http://h/x")))
        .isEqualTo(new OutboundProxy(OutboundProxy.Type.HTTP, "plain", 3, "", "", "HTTP_PROXY"));
    assertThat(ProxySettings.read(new Env(Map.of())).forUpstream(URI.create("https://h/x")))
        .isEqualTo(OutboundProxy.DIRECT);
  }

  @Test
  void aProxyPasswordIsUsedButNeverShown() {
    OutboundProxy proxy =
        ProxySettings.read(new Env(Map.of("HTTPS_PROXY", "http://me:s%40cret@proxy:3128")))
            .forUpstream(URI.create("https://h/x"));
    Throwable refused =
        catchThrowable(
            () -> ProxySettings.read(new Env(Map.of("HTTPS_PROXY", "https://me:s3cret@proxy:1"))));

    assertThat(proxy.username()).isEqualTo("me");
    assertThat(proxy.password()).isEqualTo("s@cret");
    assertThat(proxy.toString()).isEqualTo("http://me:***@proxy:3128 (HTTPS_PROXY)");
    assertThat(refused)
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("HTTPS_PROXY must be an http:// or socks5:// proxy URL")
        .hasMessageNotContaining("s3cret");
  }

  @Test
  void theLoaderGivesEachRouteTheProxyForItsUpstream() {
    GatewayConfig config =
        ConfigLoader.from(
            Map.of(
                "HTTP_PROXY", "http://proxy:3128",
                "UNIVERSITIES_API_URL", "http://universities.internal"));
    GatewayConfig bypassed =
        ConfigLoader.from(
            Map.of(
                "HTTP_PROXY", "http://proxy:3128",
                "NO_PROXY", ".internal",
                "UNIVERSITIES_API_URL", "http://universities.internal"));

    assertThat(config.routes().get(0).upstream().proxy().host()).isEqualTo("proxy");
    assertThat(bypassed.routes().get(0).upstream().proxy()).isEqualTo(OutboundProxy.DIRECT);
  }
}
