package cachegate.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import cachegate.support.CapturedLogs;
import cachegate.support.GatewayUnderTest;
import cachegate.support.KeyedApi;
import cachegate.support.TestCertificates;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.InstantSource;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 14: HTTPS upstreams with certificates made by the test. A certificate trusted through the
 * route's or the global CA file is served; one not trusted, or not for the host asked for, is a 502
 * whose message says which, logged once.
 */
class UpstreamTlsIT {
  @TempDir static Path dir;

  static TestCertificates local;
  static TestCertificates otherHost;
  static KeyedApi localApi;
  static KeyedApi otherHostApi;
  static CapturedLogs logs;
  static GatewayUnderTest gateway;

  @BeforeAll
  static void start() throws IOException {
    local = TestCertificates.selfSigned(dir, "local", "dns:localhost,ip:127.0.0.1");
    otherHost = TestCertificates.selfSigned(dir, "other", "dns:other.example");
    localApi = KeyedApi.startTls(local.serverContext());
    otherHostApi = KeyedApi.startTls(otherHost.serverContext());
    Path routes = dir.resolve("routes.yml");
    Files.writeString(
        routes,
        """
        routes:
          - name: trusted
            path: /trusted
            upstream: %1$s/trusted
            params: {q: {required: true}}
            upstreamTlsCa: %2$s
          - name: untrusted
            path: /untrusted
            upstream: %1$s/untrusted
            params: {q: {required: true}}
          - name: wrong-host
            path: /wrong-host
            upstream: %3$s/wrong-host
            params: {q: {required: true}}
            upstreamTlsCa: %4$s
        """
            .formatted(
                localApi.url("localhost"),
                local.certificatePem(),
                otherHostApi.url(),
                otherHost.certificatePem()));
    logs = CapturedLogs.of(org.slf4j.Logger.ROOT_LOGGER_NAME);
    gateway =
        GatewayUnderTest.start(
            Map.of("CACHEGATE_ROUTES", routes.toString(), "CACHE_STALE_IF_ERROR", "0"),
            InstantSource.system());
  }

  @AfterAll
  static void stop() {
    gateway.close();
    logs.close();
    localApi.close();
    otherHostApi.close();
  }

  @Test
  void anHttpsUpstreamWhoseCertificateTheRoutesCaFileTrustsIsServed() {
    HttpResponse<String> answer = gateway.get("/trusted?q=1");

    assertThat(answer.statusCode()).isEqualTo(200);
    assertThat(new JsonObject(answer.body()).getString("path")).isEqualTo("/trusted");
  }

  @Test
  void anUntrustedCertificateIsA502SayingSoLoggedOnce() {
    List<HttpResponse<String>> answers =
        List.of(gateway.get("/untrusted?q=1"), gateway.get("/untrusted?q=2"));

    assertThat(answers).allSatisfy(answer -> assertThat(answer.statusCode()).isEqualTo(502));
    assertThat(new JsonObject(answers.get(0).body()).getString("error"))
        .contains("/untrusted?q=1 is unreachable: the TLS certificate was not trusted");
    assertThat(logs.lines())
        .filteredOn(line -> line.contains("/untrusted") && line.contains("was not trusted"))
        .hasSize(1);
  }

  @Test
  void aCertificateForAnotherHostIsA502SayingTheHostNameDidNotMatch() {
    HttpResponse<String> answer = gateway.get("/wrong-host?q=1");

    assertThat(answer.statusCode()).isEqualTo(502);
    assertThat(new JsonObject(answer.body()).getString("error"))
        .contains("the TLS certificate's host name did not match the upstream's host");
  }

  @Test
  void theGlobalCaFileIsTrustedForTheBuiltInRoute() {
    try (GatewayUnderTest builtIn =
        GatewayUnderTest.start(
            Map.of(
                "UNIVERSITIES_API_URL", localApi.url("localhost"),
                "UPSTREAM_TLS_CA", local.certificatePem().toString()),
            InstantSource.system())) {

      HttpResponse<String> answer = builtIn.get("/universities?country=Malta");

      assertThat(answer.statusCode()).isEqualTo(200);
      assertThat(new JsonObject(answer.body()).getString("path")).isEqualTo("/search");
    }
  }
}
