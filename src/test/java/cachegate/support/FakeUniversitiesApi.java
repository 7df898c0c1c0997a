package cachegate.support;

import com.sun.net.httpserver.HttpExchange;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Pattern;

/**
 * A real HTTP server on loopback that behaves like the universities API's {@code GET /search}: the
 * real dataset from {@code ../shared/data/universities/} when present, else the project's small
 * fixture. It filters as the real one does ({@code name} matches at a word start, {@code
 * name_contains} anywhere, {@code country} and {@code domain} exactly, all ignoring case; {@code
 * offset} and {@code limit} page), counts and records requests, and can be made slow, failing or
 * garbled, send chunked, and answer in gzip when asked.
 */
public final class FakeUniversitiesApi implements AutoCloseable {
  /** The real dataset, when the shared folder sits beside the repository. */
  public static final Path SHARED_DATASET =
      Path.of("..", "shared", "data", "universities", "world_universities_and_domains.json");

  private final List<JsonObject> universities;
  private final LoopbackHttp http;
  private final AtomicInteger requests = new AtomicInteger();
  private final List<String> queries = new CopyOnWriteArrayList<>();
  private final List<Integer> clientPorts = new CopyOnWriteArrayList<>();
  private volatile Duration delay = Duration.ZERO;
  private volatile int failWithStatus;
  private volatile String garbage;
  private volatile JsonObject extra;
  private volatile String echoed;
  private final Map<String, String> headers = new java.util.concurrent.ConcurrentHashMap<>();
  private final AtomicInteger concurrent = new AtomicInteger();
  private final List<String> acceptEncodings = new CopyOnWriteArrayList<>();
  private final java.util.concurrent.atomic.AtomicLong bodyBytesSent =
      new java.util.concurrent.atomic.AtomicLong();
  private volatile java.util.function.UnaryOperator<byte[]> gzip;
  private volatile boolean chunked;
  private final AtomicInteger maxConcurrent = new AtomicInteger();

  private FakeUniversitiesApi(List<JsonObject> universities) {
    this.universities = universities;
    http = LoopbackHttp.serve("/search", this::search);
  }

  /** Starts with the real dataset when present, else the fixture. */
  public static FakeUniversitiesApi start() {
    return new FakeUniversitiesApi(load());
  }

  /** The base URL cachegate's {@code UNIVERSITIES_API_URL} takes. */
  public String url() {
    return http.url();
  }

  /** Requests received since the last {@link #reset}. */
  public int requests() {
    return requests.get();
  }

  /** Raw query strings received, in order. */
  public List<String> queries() {
    return List.copyOf(queries);
  }

  /**
   * The client port of each request since the last reset, in order: requests on one connection
   * share a port, so this tells which requests reused a connection.
   */
  public List<Integer> clientPorts() {
    return List.copyOf(clientPorts);
  }

  /** Back to fast, correct answers with counters at zero. */
  public void reset() {
    requests.set(0);
    queries.clear();
    clientPorts.clear();
    delay = Duration.ZERO;
    failWithStatus = 0;
    garbage = null;
    extra = null;
    echoed = null;
    headers.clear();
    maxConcurrent.set(0);
    acceptEncodings.clear();
    bodyBytesSent.set(0);
    gzip = null;
    chunked = false;
  }

  /**
   * From now on a request whose {@code Accept-Encoding} names gzip is answered {@code
   * Content-Encoding: gzip} with {@code encoder} applied to the body (e.g. {@link #gzipped}, or a
   * damaged or concatenated form).
   */
  public FakeUniversitiesApi gzipWhenAsked(java.util.function.UnaryOperator<byte[]> encoder) {
    this.gzip = encoder;
    return this;
  }

  /** From now on bodies are sent chunked, without a {@code Content-Length}. */
  public FakeUniversitiesApi chunked() {
    this.chunked = true;
    return this;
  }

  /** The {@code Accept-Encoding} of every request ("" without one), in order. */
  public List<String> acceptEncodings() {
    return List.copyOf(acceptEncodings);
  }

  /** Body bytes sent, as sent (compressed or not). */
  public long bodyBytesSent() {
    return bodyBytesSent.get();
  }

  /** {@code body} gzip-compressed as one member with a plain header, as most servers send it. */
  public static byte[] gzipped(byte[] body) {
    java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
    try (java.util.zip.GZIPOutputStream stream = new java.util.zip.GZIPOutputStream(out)) {
      stream.write(body);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toByteArray();
  }

  /** Every answer from now on carries this header (e.g. Retry-After, Set-Cookie, Cache-Control). */
  public FakeUniversitiesApi withHeader(String name, String value) {
    headers.put(name, value);
    return this;
  }

  /** The most requests that were being answered at the same time since the last reset. */
  public int maxConcurrent() {
    return maxConcurrent.get();
  }

  /** From now on every answer ends with {@code university}, as if the dataset had changed. */
  public FakeUniversitiesApi appendToEveryAnswer(JsonObject university) {
    this.extra = university;
    return this;
  }

  /** Every answer waits this long before it is sent. */
  public FakeUniversitiesApi slow(Duration delay) {
    this.delay = delay;
    return this;
  }

  /** Every answer has this status and a small JSON error body. */
  public FakeUniversitiesApi failWith(int status) {
    this.failWithStatus = status;
    return this;
  }

  /** Every answer is 200 with this body, which is not JSON. */
  public FakeUniversitiesApi garble(String body) {
    this.garbage = body;
    return this;
  }

  /**
   * From now on every answer ends with {@code {"header": <header>, "value": <its value>}} ({@code
   * null} when the request had none): an API whose answer depends on a request header.
   */
  public FakeUniversitiesApi echoing(String header) {
    this.echoed = header.toLowerCase(Locale.ROOT);
    return this;
  }

  /** What the API answers for these (decoded) parameters, without counting a request. */
  public byte[] answer(Map<String, String> params) {
    return answer(params, Map.of());
  }

  /**
   * What the API answers for these (decoded) parameters and request headers (by lower-case name),
   * without counting a request.
   */
  public byte[] answer(Map<String, String> params, Map<String, String> requestHeaders) {
    JsonArray answer = filter(params);
    String header = echoed;
    if (header != null) {
      answer.add(new JsonObject().put("header", header).put("value", requestHeaders.get(header)));
    }
    return answer.encode().getBytes(StandardCharsets.UTF_8);
  }

  /** How many universities the API answers for {@code params}. */
  public int count(Map<String, String> params) {
    return filter(params).size();
  }

  @Override
  public void close() {
    http.close();
  }

  private void search(HttpExchange exchange) throws IOException {
    requests.incrementAndGet();
    String rawQuery = exchange.getRequestURI().getRawQuery();
    queries.add(rawQuery == null ? "" : rawQuery);
    clientPorts.add(exchange.getRemoteAddress().getPort());
    String accept = exchange.getRequestHeaders().getFirst("Accept-Encoding");
    acceptEncodings.add(accept == null ? "" : accept);
    int now = concurrent.incrementAndGet();
    maxConcurrent.accumulateAndGet(now, Math::max);
    try (exchange) {
      if (!delay.isZero()) {
        Thread.sleep(delay.toMillis());
      }
      byte[] body;
      int status = 200;
      if (failWithStatus != 0) {
        status = failWithStatus;
        body = "{\"error\":\"fake failure\"}".getBytes(StandardCharsets.UTF_8);
      } else if (garbage != null) {
        body = garbage.getBytes(StandardCharsets.UTF_8);
      } else {
        String header = echoed;
        String value = header == null ? null : exchange.getRequestHeaders().getFirst(header);
        body = answer(decode(rawQuery), value == null ? Map.of() : Map.of(header, value));
      }
      exchange.getResponseHeaders().set("Content-Type", "application/json");
      java.util.function.UnaryOperator<byte[]> encoder = gzip;
      if (encoder != null && status == 200 && accept != null && accept.contains("gzip")) {
        body = encoder.apply(body);
        exchange.getResponseHeaders().set("Content-Encoding", "gzip");
      }
      headers.forEach((name, value) -> exchange.getResponseHeaders().set(name, value));
      exchange.sendResponseHeaders(status, chunked ? 0 : body.length);
      exchange.getResponseBody().write(body);
      bodyBytesSent.addAndGet(body.length);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } finally {
      concurrent.decrementAndGet();
    }
  }

  private JsonArray filter(Map<String, String> params) {
    String name = lower(params.get("name"));
    Pattern wordStart = name == null ? null : Pattern.compile("\\b" + Pattern.quote(name));
    String contains = lower(params.get("name_contains"));
    String country = lower(params.get("country"));
    String domain = lower(params.get("domain"));
    int offset = params.containsKey("offset") ? Integer.parseInt(params.get("offset")) : 0;
    int limit =
        params.containsKey("limit") ? Integer.parseInt(params.get("limit")) : Integer.MAX_VALUE;
    List<JsonObject> matches =
        universities.stream()
            .filter(u -> wordStart == null || wordStart.matcher(lower(u.getString("name"))).find())
            .filter(u -> contains == null || lower(u.getString("name")).contains(contains))
            .filter(u -> country == null || country.equals(lower(u.getString("country"))))
            .filter(
                u ->
                    domain == null
                        || u.getJsonArray("domains").stream()
                            .anyMatch(d -> domain.equals(lower(String.valueOf(d)))))
            .skip(offset)
            .limit(limit)
            .toList();
    JsonArray answer = new JsonArray(new java.util.ArrayList<>(matches));
    return extra == null ? answer : answer.add(extra);
  }

  private static String lower(String text) {
    return text == null ? null : text.toLowerCase(Locale.ROOT);
  }

  private static Map<String, String> decode(String rawQuery) {
    Map<String, String> params = new LinkedHashMap<>();
    if (rawQuery == null) {
      return params;
    }
    for (String pair : rawQuery.split("&")) {
      int equals = pair.indexOf('=');
      if (equals > 0) {
        params.put(
            URLDecoder.decode(pair.substring(0, equals), StandardCharsets.UTF_8),
            URLDecoder.decode(pair.substring(equals + 1), StandardCharsets.UTF_8));
      }
    }
    return params;
  }

  private static List<JsonObject> load() {
    try {
      String json;
      if (Files.isRegularFile(SHARED_DATASET)) {
        json = Files.readString(SHARED_DATASET);
      } else {
        try (InputStream in =
            FakeUniversitiesApi.class.getResourceAsStream("/universities-fixture.json")) {
          json = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
      }
      return new JsonArray(json).stream().map(JsonObject.class::cast).toList();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
