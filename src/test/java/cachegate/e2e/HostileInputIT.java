package cachegate.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import cachegate.engine.ManualClock;
import cachegate.support.GatewayUnderTest;
import io.vertx.core.json.JsonObject;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.Socket;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * What a hostile or careless client can send, over real sockets: other methods, oversized query
 * strings, request lines and headers, injected control characters, malformed UTF-8, look-alike
 * parameter names, other separators, fragments and absolute-form targets. Every refusal is the JSON
 * error and never reaches the upstream; everything else is served from the configured upstream
 * only; nothing hangs.
 */
@Timeout(60)
class HostileInputIT extends RedisAndUpstream {
  private static final Map<String, String> GERMANY = Map.of("country", "germany");

  private final ManualClock clock = new ManualClock();
  private GatewayUnderTest gateway;

  @BeforeEach
  void startGateway() {
    gateway = gateway(clock);
  }

  @ParameterizedTest
  @ValueSource(strings = {"POST", "PUT", "DELETE", "PATCH", "OPTIONS", "TRACE"})
  void methodsOtherThanGetAndHeadAre405JsonWithAllowAndNeverReachTheUpstream(String method) {
    HttpRequest.Builder request =
        HttpRequest.newBuilder(gateway.uri("/universities?country=Germany"))
            .method(method, HttpRequest.BodyPublishers.ofString("{\"country\":\"Germany\"}"));

    HttpResponse<String> response = gateway.send(request);

    assertThat(response.statusCode()).isEqualTo(405);
    assertThat(response.headers().firstValue("Allow")).hasValue("GET, HEAD");
    assertThat(response.headers().firstValue("Content-Type")).hasValue("application/json");
    assertJsonErrorBody(response.body(), 405);
    assertThat(upstream.requests()).isZero();
  }

  @Test
  void queryOf4097BytesIs414JsonAndNeverReachesTheUpstream() {
    String query = queryOfLength(4097);

    RawAnswer answer = get("/universities?" + query);

    assertJsonError(answer, 414);
    assertThat(answer.body()).contains("4097 bytes");
    assertThat(upstream.requests()).isZero();
    assertThat(limitCount("query-too-long")).isEqualTo(1);
  }

  @Test
  void queryOfExactly4096BytesWithAnIgnoredParameterIsServed() {
    String query = queryOfLength(4096);

    GatewayUnderTest.RawResponse answer = gateway.rawGet("/universities?" + query);

    assertThat(answer.status()).isEqualTo(200);
    assertThat(answer.body().getBytes(StandardCharsets.UTF_8)).isEqualTo(upstream.answer(GERMANY));
    assertThat(upstream.queries()).containsExactly("country=germany");
  }

  @Test
  void queryOfExactly4096BytesWithAnOverlongValueIsRefusedForTheValueNotItsLength() {
    String query = "name=" + "a".repeat(4096 - "name=".length());

    GatewayUnderTest.RawResponse answer = gateway.rawGet("/universities?" + query);

    assertThat(answer.status()).isNotEqualTo(414).isEqualTo(400);
    assertThat(new JsonObject(answer.body()).getString("error"))
        .isEqualTo("parameter 'name' must be at most 200 characters, was 4091");
    assertThat(upstream.requests()).isZero();
  }

  @Test
  void requestLineOf20000BytesIs414JsonFromTheDecoderAndNeverReachesTheUpstream() {
    String prefix = "GET /universities?country=";
    String suffix = " HTTP/1.1";
    String requestLine = prefix + "a".repeat(20_000 - prefix.length() - suffix.length()) + suffix;

    RawAnswer answer = exchange(requestLine + "\r\nHost: localhost\r\nConnection: close\r\n\r\n");

    assertThat(requestLine).hasSize(20_000);
    assertJsonError(answer, 414);
    assertThat(answer.body()).contains("request line longer than 16384 bytes");
    assertThat(upstream.requests()).isZero();
    assertThat(limitCount("request-line-too-long")).isEqualTo(1);
  }

  @Test
  void headerOf64KilobytesIs431JsonAndNeverReachesTheUpstream() {
    String header = "X-Padding: " + "a".repeat(64 * 1024);

    RawAnswer answer =
        exchange(
            "GET /universities?country=Germany HTTP/1.1\r\nHost: localhost\r\n"
                + header
                + "\r\nConnection: close\r\n\r\n");

    assertJsonError(answer, 431);
    assertThat(upstream.requests()).isZero();
    assertThat(limitCount("request-headers-too-large")).isEqualTo(1);
  }

  /** How often {@code limit} was reached, from {@code /metrics}. */
  private double limitCount(String limit) {
    String series = "cachegate_limits_reached_total{limit=\"" + limit + "\",route=\"\"} ";
    return gateway
        .get("/metrics")
        .body()
        .lines()
        .filter(line -> line.startsWith(series))
        .mapToDouble(line -> Double.parseDouble(line.substring(series.length())))
        .sum();
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "country=x%0D%0ASet-Cookie:x",
        "country=x%0d%0aSet-Cookie:%20session=evil",
        "country=x%0ASet-Cookie:x",
        "country=x%0DSet-Cookie:x",
        "Set-Cookie%0D%0A:x=y&country=x",
        "country=Germany&utm%0D%0ASet-Cookie:x=1",
      })
  void encodedCarriageReturnsAndLineFeedsAre400AndInjectNoHeader(String query) {
    RawAnswer answer = get("/universities?" + query);

    assertJsonError(answer, 400);
    assertThat(answer.body()).contains("control characters");
    assertThat(answer.headers()).doesNotContainKey("set-cookie");
    assertThat(upstream.requests()).isZero();
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "country=Germany%00",
        "country=%00",
        "country%00=Germany",
        "country=Germany&name=a%00b",
        "country=Germany%7F",
        "country=Germany%C2%85",
      })
  void encodedNulAndOtherControlCharactersAre400(String query) {
    RawAnswer answer = get("/universities?" + query);

    assertJsonError(answer, 400);
    assertThat(answer.body()).contains("control characters");
    assertThat(upstream.requests()).isZero();
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "country=%C0%AF",
        "country=Germany%C0%AE%C0%AE%C0%AF",
        "country=%E0%80%AF",
        "country=%ED%A0%80",
        "country=%ED%A0%BD%ED%B8%80",
        "country=%F4%90%80%80",
        "country=%FF",
        "country=%C3",
        "country%C0%AF=Germany",
      })
  void overlongSurrogateAndOtherInvalidUtf8Is400(String query) {
    RawAnswer answer = get("/universities?" + query);

    assertJsonError(answer, 400);
    assertThat(answer.body()).contains("not valid UTF-8");
    assertThat(upstream.requests()).isZero();
  }

  @ParameterizedTest
  @ValueSource(strings = {"country=Germany&Country=France", "Country=France&country=Germany"})
  void parameterNamesAreCaseSensitiveSoACapitalisedTwinIsAnIgnoredUnknownParameter(String query) {
    RawAnswer answer = get("/universities?" + query);

    assertThat(answer.status()).isEqualTo(200);
    assertThat(answer.bytes()).isEqualTo(upstream.answer(GERMANY));
    assertThat(answer.headers().get("cache-status"))
        .endsWith("key=\"cachegate:v2:{universities:country=germany}\"");
    assertThat(upstream.queries()).containsExactly("country=germany");
  }

  @Test
  void theSameNameTwiceIs400EvenWhenBothValuesAgree() {
    RawAnswer answer = get("/universities?country=Germany&country=germany");

    assertJsonError(answer, 400);
    assertThat(answer.body()).contains("'country' must be given at most once");
    assertThat(upstream.requests()).isZero();
  }

  @Test
  void semicolonIsNotASeparatorSoItStaysInsideTheValueAndCannotPoisonTheCleanKey() {
    RawAnswer semicolon = get("/universities?country=Germany;name=x");

    RawAnswer clean = get("/universities?country=Germany");

    assertThat(semicolon.status()).isEqualTo(200);
    assertThat(semicolon.bytes()).isEqualTo(upstream.answer(Map.of("country", "germany;name=x")));
    assertThat(clean.status()).isEqualTo(200);
    assertThat(clean.headers().get("x-cache")).isEqualTo("MISS");
    assertThat(clean.bytes()).isEqualTo(upstream.answer(GERMANY));
    assertThat(upstream.queries()).containsExactly("country=germany%3Bname%3Dx", "country=germany");
  }

  /**
   * A request target has no fragment (RFC 9112 §3.2), so a client should never send one. The server
   * does not strip it either: it stays part of the query, so {@code #} is read as data, exactly
   * like {@code %23}, and can neither split the key nor reach the upstream unescaped.
   */
  @Test
  void rawHashIsAMalformedRequestTargetAndIs400() {
    RawAnswer fragment = get("/universities?country=Germany#name=x");

    RawAnswer escaped = get("/universities?country=Germany%23name=x");

    assertJsonError(fragment, 400);
    assertThat(fragment.body()).contains("raw '#'");
    assertThat(escaped.status()).isEqualTo(200);
    assertThat(upstream.queries()).containsExactly("country=germany%23name%3Dx");
  }

  @Test
  void fragmentBeforeEveryParameterIs400() {
    RawAnswer answer = get("/universities?#country=Germany");

    assertJsonError(answer, 400);
    assertThat(upstream.requests()).isZero();
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "http://evil/universities?country=Germany",
        "http://127.0.0.1:1/universities?country=Germany",
        "https://evil.example:8443/universities?country=Germany",
      })
  void absoluteFormTargetIsServedFromTheConfiguredUpstreamOnly(String target) {
    RawAnswer answer = get(target);

    assertThat(answer.status()).isLessThan(500).isEqualTo(200);
    assertThat(answer.bytes()).isEqualTo(upstream.answer(GERMANY));
    assertThat(upstream.requests()).isEqualTo(1);
    assertThat(upstream.queries()).containsExactly("country=germany");
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "GET http://evil/search?country=Germany HTTP/1.1",
        "GET /search?country=Germany HTTP/1.1",
        "OPTIONS * HTTP/1.1",
        "CONNECT evil:443 HTTP/1.1",
        "GET /UNIVERSITIES?country=Germany HTTP/1.1",
      })
  void targetsOutsideTheRouteAre4xxJsonAndNeverReachTheUpstream(String requestLine) {
    RawAnswer answer = exchange(requestLine + "\r\nHost: localhost\r\nConnection: close\r\n\r\n");

    assertThat(answer.status()).isBetween(400, 499);
    assertJsonError(answer, answer.status());
    assertThat(upstream.requests()).isZero();
  }

  /** {@code country=Germany&pad=xxx…}: a valid query of exactly {@code length} bytes. */
  private static String queryOfLength(int length) {
    String start = "country=Germany&pad=";
    return start + "x".repeat(length - start.length());
  }

  private static void assertJsonError(RawAnswer answer, int status) {
    assertThat(answer.status()).as("status of %s", answer).isEqualTo(status);
    assertThat(answer.headers()).containsEntry("content-type", "application/json");
    assertThat(answer.headers()).containsEntry("cache-control", "no-store");
    assertJsonErrorBody(answer.body(), status);
  }

  private static void assertJsonErrorBody(String body, int status) {
    JsonObject json = new JsonObject(body);
    assertThat(json.fieldNames()).containsExactlyInAnyOrder("error", "status");
    assertThat(json.getInteger("status")).isEqualTo(status);
    assertThat(json.getString("error")).isNotBlank();
  }

  private RawAnswer get(String target) {
    return exchange("GET " + target + " HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n");
  }

  /**
   * Writes {@code request} as it is and reads the answer until the server closes the connection.
   * The server may answer and close before it has read everything (oversized lines and headers), so
   * a failed write or a reset after the answer has arrived is not an error; a missing answer is.
   */
  private RawAnswer exchange(String request) {
    try (Socket socket = new Socket("127.0.0.1", gateway.uri("/").getPort())) {
      socket.setSoTimeout(15_000);
      try {
        socket.getOutputStream().write(request.getBytes(StandardCharsets.UTF_8));
        socket.getOutputStream().flush();
      } catch (IOException closedWhileWriting) {
        // the server refused the request early; its answer may already be readable
      }
      ByteArrayOutputStream received = new ByteArrayOutputStream();
      InputStream in = socket.getInputStream();
      byte[] buffer = new byte[16 * 1024];
      try {
        for (int read = in.read(buffer); read >= 0; read = in.read(buffer)) {
          received.write(buffer, 0, read);
        }
      } catch (IOException reset) {
        if (received.size() == 0) {
          throw reset;
        }
      }
      return RawAnswer.parse(received.toByteArray());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * An answer read off a raw socket (the connection is closed after it, so the body is the rest).
   *
   * @param headers header names lower-cased; a repeated header keeps its last value
   */
  private record RawAnswer(int status, Map<String, String> headers, String body, byte[] bytes) {
    static RawAnswer parse(byte[] received) {
      String text = new String(received, StandardCharsets.ISO_8859_1);
      int end = text.indexOf("\r\n\r\n");
      assertThat(end).as("a complete header block in %s", text).isPositive();
      String[] lines = text.substring(0, end).split("\r\n");
      Map<String, String> headers = new LinkedHashMap<>();
      for (int i = 1; i < lines.length; i++) {
        int colon = lines[i].indexOf(':');
        headers.put(
            lines[i].substring(0, colon).trim().toLowerCase(Locale.ROOT),
            lines[i].substring(colon + 1).trim());
      }
      byte[] body = java.util.Arrays.copyOfRange(received, end + 4, received.length);
      return new RawAnswer(
          Integer.parseInt(lines[0].split(" ")[1]),
          headers,
          new String(body, StandardCharsets.UTF_8),
          body);
    }

    @Override
    public String toString() {
      return status + " " + headers + " " + body.substring(0, Math.min(body.length(), 300));
    }
  }
}
