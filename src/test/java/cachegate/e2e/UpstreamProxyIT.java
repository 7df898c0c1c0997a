package cachegate.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import cachegate.support.ConnectProxy;
import cachegate.support.GatewayUnderTest;
import cachegate.support.KeyedApi;
import cachegate.support.TestCertificates;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.InstantSource;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 14: upstream calls go through {@code HTTPS_PROXY} / {@code HTTP_PROXY} (an https upstream
 * through a CONNECT tunnel), except to hosts {@code NO_PROXY} names.
 */
class UpstreamProxyIT {
  private static final String TOKEN = "proxy-test-token";

  @TempDir static Path dir;

  static ConnectProxy proxy;
  static KeyedApi httpsApi;
  static KeyedApi httpApi;
  static TestCertificates certificate;
  static GatewayUnderTest gateway;

  @BeforeAll
  static void start() throws IOException {
    proxy = ConnectProxy.start();
    certificate = TestCertificates.selfSigned(dir, "local", "dns:localhost,ip:127.0.0.1");
    httpsApi = KeyedApi.startTls(certificate.serverContext());
    httpApi = KeyedApi.start(Map.of("Authorization", "Bearer " + TOKEN), Map.of());
    Path routes = dir.resolve("routes.yml");
    Files.writeString(
        routes,
        """
        routes:
          - name: tunnelled
            path: /tunnelled
            upstream: %1$s/tunnelled
            params: {q: {required: true}}
          - name: proxied
            path: /proxied
            upstream: %2$s/proxied
            params: {q: {required: true}}
            upstreamHeaders:
              Authorization: "Bearer ${env:PROXY_TEST_TOKEN}"
          - name: direct
            path: /direct
            upstream: %3$s/direct
            params: {q: {required: true}}
            upstreamHeaders:
              Authorization: "Bearer ${env:PROXY_TEST_TOKEN}"
        """
            .formatted(httpsApi.url("localhost"), httpApi.url("localhost"), httpApi.url()));
    gateway =
        GatewayUnderTest.start(
            Map.of(
                "CACHEGATE_ROUTES", routes.toString(),
                "PROXY_TEST_TOKEN", TOKEN,
                "UPSTREAM_TLS_CA", certificate.certificatePem().toString(),
                "https_proxy", proxy.url(),
                "HTTP_PROXY", proxy.url(),
                "NO_PROXY", "example.org, 127.0.0.1"),
            InstantSource.system());
  }

  @AfterAll
  static void stop() {
    gateway.close();
    proxy.close();
    httpsApi.close();
    httpApi.close();
  }

  @Test
  void anHttpsUpstreamIsReachedThroughAConnectTunnel() {
    int before = (int) proxy.targets().stream().filter(t -> t.startsWith("CONNECT")).count();

    assertThat(gateway.get("/tunnelled?q=1").statusCode()).isEqualTo(200);

    assertThat(proxy.targets())
        .filteredOn(t -> t.equals("CONNECT localhost:" + httpsApi.port()))
        .hasSizeGreaterThan(before);
    assertThat(httpsApi.seen()).anySatisfy(seen -> assertThat(seen.path()).isEqualTo("/tunnelled"));
  }

  @Test
  void anHttpUpstreamIsAskedThroughTheProxyWithItsHeaders() {
    assertThat(gateway.get("/proxied?q=1").statusCode()).isEqualTo(200);

    assertThat(proxy.targets())
        .anySatisfy(t -> assertThat(t).contains("localhost:" + httpApi.port() + "/proxied"));
  }

  @Test
  void aHostNoProxyNamesIsCalledDirectly() {
    assertThat(gateway.get("/direct?q=1").statusCode()).isEqualTo(200);

    assertThat(httpApi.seen()).anySatisfy(seen -> assertThat(seen.path()).isEqualTo("/direct"));
    assertThat(proxy.targets()).noneMatch(t -> t.contains("/direct") || t.contains("127.0.0.1"));
  }
}
