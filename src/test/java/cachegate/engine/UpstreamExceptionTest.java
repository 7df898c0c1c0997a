package cachegate.engine;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.security.cert.CertificateException;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeoutException;
import javax.net.ssl.SSLHandshakeException;
import org.junit.jupiter.api.Test;

class UpstreamExceptionTest {

  @Test
  void aCauseThatQuotesTheRequestWithItsQueryIsShownWithoutTheQueryEvenInItsStackTrace() {
    TimeoutException vertx =
        new TimeoutException(
            "The timeout period of 10000ms has been exceeded while executing GET"
                + " /weather?q=berlin&appid=s3cret-key for server 127.0.0.1:8080");

    UpstreamException failure =
        UpstreamException.unreachable(
            "GET http://127.0.0.1:8080/weather?q=berlin&appid=***", new CompletionException(vertx));

    assertThat(failure.getMessage())
        .isEqualTo(
            "upstream GET http://127.0.0.1:8080/weather?q=berlin&appid=*** is unreachable: The"
                + " timeout period of 10000ms has been exceeded while executing GET /weather?***"
                + " for server 127.0.0.1:8080");
    assertThat(stackTrace(failure))
        .doesNotContain("s3cret-key")
        .contains("java.util.concurrent.TimeoutException: The timeout period");
  }

  @Test
  void aCauseWithoutAQueryIsKeptAsItIs() {
    IllegalStateException refused = new IllegalStateException("Connection refused: 127.0.0.1:9");

    UpstreamException failure = UpstreamException.unreachable("GET http://127.0.0.1:9/x", refused);

    assertThat(failure.getCause()).isSameAs(refused);
  }

  @Test
  void aHandshakeRefusedForTheCertificatesHostNameSaysSo() {
    SSLHandshakeException handshake =
        new SSLHandshakeException("No subject alternative names matching IP address 127.0.0.1");
    handshake.initCause(
        new CertificateException("No subject alternative names matching IP address 127.0.0.1"));

    UpstreamException failure =
        UpstreamException.unreachable(
            "GET https://127.0.0.1/x",
            new IllegalStateException("Failed to create SSL connection", handshake));

    assertThat(failure.getMessage())
        .startsWith(
            "upstream GET https://127.0.0.1/x is unreachable: the TLS certificate's host name did"
                + " not match the upstream's host");
  }

  private static String stackTrace(Throwable failure) {
    StringWriter text = new StringWriter();
    failure.printStackTrace(new PrintWriter(text));
    return text.toString();
  }
}
