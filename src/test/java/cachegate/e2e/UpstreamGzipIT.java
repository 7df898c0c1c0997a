package cachegate.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import cachegate.engine.ManualClock;
import cachegate.engine.ResponseBody;
import cachegate.support.FakeUniversitiesApi;
import cachegate.support.GatewayUnderTest;
import io.vertx.core.json.JsonObject;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Arrays;
import java.util.Map;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.Test;

/**
 * End to end over HTTP with a real Redis: cachegate asks the upstream for gzip, checks a gzip
 * answer by inflating it, keeps its bytes as sent, and gives identity clients the inflated bytes
 * with the same entity tag as if the upstream had sent identity; damaged gzip and other codings are
 * garbage answers.
 */
class UpstreamGzipIT extends RedisAndUpstream {
  private static final Map<String, String> CHILE = Map.of("country", "chile");
  private static final HttpClient CLIENT = HttpClient.newHttpClient();

  private final ManualClock clock = new ManualClock();

  private static HttpResponse<byte[]> get(
      GatewayUnderTest gateway, String target, String acceptEncoding) {
    try {
      return CLIENT.send(
          HttpRequest.newBuilder(gateway.uri(target))
              .header("Accept-Encoding", acceptEncoding)
              .build(),
          HttpResponse.BodyHandlers.ofByteArray());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  private static byte[] gunzip(byte[] gzip) {
    try (GZIPInputStream in = new GZIPInputStream(new ByteArrayInputStream(gzip))) {
      return in.readAllBytes();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Test
  void aGzipAnswerIsStoredAsSentAndServedAsSentToGzipClients() {
    upstream.gzipWhenAsked(FakeUniversitiesApi::gzipped);
    byte[] identity = upstream.answer(CHILE);
    byte[] sent = FakeUniversitiesApi.gzipped(identity);
    GatewayUnderTest gateway = gateway(clock);

    HttpResponse<byte[]> miss = get(gateway, "/universities?country=Chile", "gzip");
    HttpResponse<byte[]> hit = get(gateway, "/universities?country=Chile", "gzip");
    HttpResponse<byte[]> plain = get(gateway, "/universities?country=Chile", "identity");

    assertThat(upstream.acceptEncodings()).containsExactly("gzip");
    assertThat(miss.headers().firstValue("X-Cache")).hasValue("MISS");
    assertThat(miss.headers().firstValue("Content-Encoding")).hasValue("gzip");
    assertThat(miss.body()).isEqualTo(sent);
    assertThat(hit.headers().firstValue("X-Cache")).hasValue("HIT");
    assertThat(hit.body()).isEqualTo(sent);
    assertThat(plain.headers().firstValue("Content-Encoding")).isEmpty();
    assertThat(plain.body()).isEqualTo(identity);
    assertThat(plain.headers().firstValue("ETag")).hasValue(ResponseBody.of(identity).etag());
    assertThat(upstream.requests()).isEqualTo(1);
    assertThat(gateway.get("/metrics").body())
        .contains(
            "cachegate_upstream_received_bytes_total{encoding=\"gzip\",route=\"universities\"} "
                + (double) sent.length);
  }

  @Test
  void theEntityTagIsTheSameWhetherTheUpstreamSentGzipOrNot() {
    String asIdentity =
        get(gateway(clock), "/universities?country=Chile", "identity")
            .headers()
            .firstValue("ETag")
            .get();
    // The entry is written after the answer: flushed before it lands, it would be found below.
    await().atMost(Duration.ofSeconds(5)).until(() -> !redis.keys(ENTRIES).isEmpty());
    redis.flushall();
    upstream.gzipWhenAsked(FakeUniversitiesApi::gzipped);
    // A new instance: nothing of the first answer in its local tier.
    GatewayUnderTest gateway = gateway(clock);

    HttpResponse<byte[]> fromGzip = get(gateway, "/universities?country=Chile", "identity");
    HttpResponse<byte[]> notModified =
        sendWithIfNoneMatch(gateway, "/universities?country=Chile", asIdentity);

    assertThat(upstream.acceptEncodings()).containsExactly("gzip", "gzip");
    assertThat(fromGzip.headers().firstValue("ETag")).hasValue(asIdentity);
    assertThat(notModified.statusCode()).isEqualTo(304);
  }

  @Test
  void aChunkedGzipAnswerIsStoredAsSent() {
    upstream.gzipWhenAsked(FakeUniversitiesApi::gzipped).chunked();
    byte[] identity = upstream.answer(CHILE);
    GatewayUnderTest gateway = gateway(clock);

    HttpResponse<byte[]> plain = get(gateway, "/universities?country=Chile", "identity");
    HttpResponse<byte[]> hit = get(gateway, "/universities?country=Chile", "gzip");

    assertThat(plain.body()).isEqualTo(identity);
    assertThat(hit.headers().firstValue("X-Cache")).hasValue("HIT");
    assertThat(hit.body()).isEqualTo(FakeUniversitiesApi.gzipped(identity));
  }

  @Test
  void aGzipAnswerOfTwoMembersIsStoredInTheCachesOwnForm() {
    upstream.gzipWhenAsked(
        body -> {
          byte[] first = FakeUniversitiesApi.gzipped(Arrays.copyOf(body, body.length / 2));
          byte[] second =
              FakeUniversitiesApi.gzipped(Arrays.copyOfRange(body, body.length / 2, body.length));
          byte[] both = Arrays.copyOf(first, first.length + second.length);
          System.arraycopy(second, 0, both, first.length, second.length);
          return both;
        });
    byte[] identity = upstream.answer(CHILE);
    GatewayUnderTest gateway = gateway(clock);

    HttpResponse<byte[]> miss = get(gateway, "/universities?country=Chile", "identity");
    HttpResponse<byte[]> hit = get(gateway, "/universities?country=Chile", "gzip");

    assertThat(miss.body()).isEqualTo(identity);
    assertThat(hit.headers().firstValue("X-Cache")).hasValue("HIT");
    assertThat(gunzip(hit.body())).isEqualTo(identity);
  }

  @Test
  void aTruncatedGzipAnswerIsAGarbageAnswerNeverStored() {
    upstream.gzipWhenAsked(
        body -> {
          byte[] gzip = FakeUniversitiesApi.gzipped(body);
          return Arrays.copyOf(gzip, gzip.length - 5);
        });
    GatewayUnderTest gateway = gateway(clock);

    HttpResponse<String> answer = gateway.get("/universities?country=Chile");

    assertThat(answer.statusCode()).isEqualTo(502);
    assertThat(new JsonObject(answer.body()).getString("error")).contains("truncated");
    assertThat(redis.keys(ENTRIES)).isEmpty();
    assertThat(gateway.get("/metrics").body())
        .contains(
            "cachegate_upstream_requests_seconds_count{result=\"failure\",route=\"universities\"}"
                + " 1");
  }

  @Test
  void aContentCodingOtherThanGzipIsAGarbageAnswer() {
    upstream.withHeader("Content-Encoding", "br");
    GatewayUnderTest gateway = gateway(clock);

    HttpResponse<String> answer = gateway.get("/universities?country=Chile");

    assertThat(answer.statusCode()).isEqualTo(502);
    assertThat(new JsonObject(answer.body()).getString("error")).contains("Content-Encoding 'br'");
    assertThat(redis.keys(ENTRIES)).isEmpty();
  }

  @Test
  void aRouteSetToIdentityDoesNotAskForGzip() {
    upstream.gzipWhenAsked(FakeUniversitiesApi::gzipped);
    GatewayUnderTest gateway = gateway(clock, Map.of("UPSTREAM_ENCODING", "identity"));

    HttpResponse<byte[]> answer = get(gateway, "/universities?country=Chile", "identity");

    assertThat(upstream.acceptEncodings()).containsExactly("identity");
    assertThat(answer.body()).isEqualTo(upstream.answer(CHILE));
    assertThat(gateway.get("/metrics").body())
        .contains(
            "cachegate_upstream_received_bytes_total{encoding=\"identity\",route=\"universities\"} "
                + (double) upstream.answer(CHILE).length);
  }

  @Test
  void aGzipAnswerTooLargeToKeepReachesItsClientInflated() {
    upstream.gzipWhenAsked(FakeUniversitiesApi::gzipped);
    byte[] identity = upstream.answer(CHILE);
    GatewayUnderTest gateway =
        gateway(clock, Map.of("CACHE_MAX_ENTRY_BYTES", String.valueOf(identity.length / 2)));

    HttpResponse<byte[]> gzipClient = get(gateway, "/universities?country=Chile", "gzip");

    assertThat(gzipClient.statusCode()).isEqualTo(200);
    assertThat(gzipClient.headers().firstValue("Content-Encoding")).isEmpty();
    assertThat(gzipClient.headers().firstValue("Cache-Status").get()).contains("detail=too-large");
    assertThat(gzipClient.body()).isEqualTo(identity);
    assertThat(redis.keys(ENTRIES)).isEmpty();
  }

  private static HttpResponse<byte[]> sendWithIfNoneMatch(
      GatewayUnderTest gateway, String target, String etag) {
    try {
      return CLIENT.send(
          HttpRequest.newBuilder(gateway.uri(target)).header("If-None-Match", etag).build(),
          HttpResponse.BodyHandlers.ofByteArray());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }
}
