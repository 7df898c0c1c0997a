package cachegate.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import cachegate.engine.ManualClock;
import cachegate.support.FakeUniversitiesApi;
import cachegate.support.GatewayUnderTest;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.util.Map;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.Test;

/** Compressed entries, content negotiation, validators and HEAD. */
class RepresentationIT extends RedisAndUpstream {
  private static final String GERMANY = "/universities?country=Germany";
  private static final String GERMANY_KEY = "cachegate:v2:{universities:country=germany}";
  private static final HttpClient CLIENT =
      HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

  private final ManualClock clock = new ManualClock();

  @Test
  void clientsAcceptingGzipGetTheStoredBytesAndOthersTheIdentityBody() {
    GatewayUnderTest gateway = gateway(clock);
    byte[] expected = upstream.answer(Map.of("country", "germany"));

    HttpResponse<byte[]> gzipped = send(gateway, GERMANY, "GET", "Accept-Encoding", "gzip, br");
    HttpResponse<byte[]> plain = send(gateway, GERMANY, "GET", "Accept-Encoding", "identity");

    assertThat(gzipped.headers().firstValue("Content-Encoding")).hasValue("gzip");
    assertThat(gzipped.headers().firstValue("Vary")).hasValue("accept-encoding");
    assertThat(gunzip(gzipped.body())).isEqualTo(expected);
    assertThat(gzipped.body().length).isLessThan(expected.length);
    assertThat(plain.headers().firstValue("Content-Encoding")).isEmpty();
    assertThat(plain.headers().firstValue("Vary")).hasValue("accept-encoding");
    assertThat(plain.body()).isEqualTo(expected);
  }

  @Test
  void redisHoldsTheCompressedBodyNotTheJson() {
    GatewayUnderTest gateway = gateway(clock);
    int json = upstream.answer(Map.of("country", "germany")).length;

    gateway.get(GERMANY);

    await().until(() -> redis.strlen(GERMANY_KEY) > 0);
    long stored = redis.strlen(GERMANY_KEY);
    System.out.printf("Germany: %d bytes of JSON, %d bytes in Redis%n", json, stored);
    assertThat(stored).isLessThan(json / 2);
    if (Files.isRegularFile(FakeUniversitiesApi.SHARED_DATASET)) {
      assertThat(stored).as("the real Germany answer").isLessThanOrEqualTo(12_000);
    }
  }

  @Test
  void withoutTheLocalTierAHitFromRedisSendsTheSameBytesInEitherEncoding() {
    GatewayUnderTest gateway = gateway(clock, Map.of("CACHE_LOCAL_MAX_BYTES", "0"));
    byte[] expected = upstream.answer(Map.of("country", "germany"));
    send(gateway, GERMANY, "GET", "Accept-Encoding", "identity");
    await().until(() -> redis.exists(GERMANY_KEY) == 1);

    HttpResponse<byte[]> plain = send(gateway, GERMANY, "GET", "Accept-Encoding", "identity");
    HttpResponse<byte[]> gzipped = send(gateway, GERMANY, "GET", "Accept-Encoding", "gzip");
    HttpResponse<byte[]> head = send(gateway, GERMANY, "HEAD", "Accept-Encoding", "identity");

    assertThat(plain.headers().firstValue("X-Cache")).hasValue("HIT");
    assertThat(plain.body()).isEqualTo(expected);
    assertThat(gunzip(gzipped.body())).isEqualTo(expected);
    assertThat(head.headers().firstValue("Content-Length"))
        .hasValue(String.valueOf(expected.length));
    assertThat(upstream.requests()).isEqualTo(1);
  }

  @Test
  void matchingIfNoneMatchIs304WithoutABody() {
    GatewayUnderTest gateway = gateway(clock);
    String etag = gateway.get(GERMANY).headers().firstValue("ETag").orElseThrow();

    HttpResponse<byte[]> revalidated = send(gateway, GERMANY, "GET", "If-None-Match", etag);
    HttpResponse<byte[]> other =
        send(gateway, GERMANY, "GET", "If-None-Match", "\"something-else\"");

    assertThat(etag).matches("\"[A-Za-z0-9_-]+\"");
    assertThat(revalidated.statusCode()).isEqualTo(304);
    assertThat(revalidated.body()).isEmpty();
    assertThat(revalidated.headers().firstValue("ETag")).hasValue(etag);
    assertThat(revalidated.headers().firstValue("X-Cache")).hasValue("HIT");
    assertThat(other.statusCode()).isEqualTo(200);
    assertThat(upstream.requests()).isEqualTo(1);
  }

  @Test
  void gzipAndIdentityRepresentationsHaveDifferentStrongEtags() {
    GatewayUnderTest gateway = gateway(clock);

    String identity =
        send(gateway, GERMANY, "GET", "Accept-Encoding", "identity")
            .headers()
            .firstValue("ETag")
            .orElseThrow();
    String gzip =
        send(gateway, GERMANY, "GET", "Accept-Encoding", "gzip")
            .headers()
            .firstValue("ETag")
            .orElseThrow();

    assertThat(gzip).isNotEqualTo(identity);
    assertThat(send(gateway, GERMANY, "GET", "If-None-Match", gzip).statusCode()).isEqualTo(304);
  }

  @Test
  void headAnswersLikeGetWithoutTheBody() {
    GatewayUnderTest gateway = gateway(clock);
    HttpResponse<byte[]> get = send(gateway, GERMANY, "GET", "Accept-Encoding", "identity");

    HttpResponse<byte[]> head = send(gateway, GERMANY, "HEAD", "Accept-Encoding", "identity");

    assertThat(head.statusCode()).isEqualTo(200);
    assertThat(head.body()).isEmpty();
    assertThat(head.headers().firstValue("Content-Length"))
        .hasValue(String.valueOf(get.body().length));
    assertThat(head.headers().firstValue("ETag")).isEqualTo(get.headers().firstValue("ETag"));
    assertThat(head.headers().firstValue("X-Cache")).hasValue("HIT");
  }

  @Test
  void answerOverTheMaximumEntrySizeIsServedButNotStored() {
    GatewayUnderTest gateway = gateway(clock, Map.of("CACHE_MAX_ENTRY_BYTES", "100"));

    HttpResponse<String> first = gateway.get(GERMANY);
    HttpResponse<String> second = gateway.get(GERMANY);

    assertThat(first.statusCode()).isEqualTo(200);
    assertThat(first.headers().firstValue("Cache-Status").orElseThrow()).doesNotContain("stored");
    assertThat(second.headers().firstValue("X-Cache")).hasValue("MISS");
    assertThat(redis.keys(ENTRIES)).isEmpty();
    assertThat(upstream.requests()).isEqualTo(2);
  }

  private static HttpResponse<byte[]> send(
      GatewayUnderTest gateway, String path, String method, String header, String value) {
    try {
      return CLIENT.send(
          HttpRequest.newBuilder(gateway.uri(path))
              .method(method, HttpRequest.BodyPublishers.noBody())
              .header(header, value)
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
}
