package cachegate.support;

import com.sun.net.httpserver.HttpExchange;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A JSON API of items on loopback, as a REST API with ids is: {@code GET /items/<id>} answers 200
 * {@code {"id": …, "version": n}} with an {@code ETag} and {@code Last-Modified} for a known id,
 * {@code 304} without a body to an {@code If-None-Match} naming its current version, {@code 404
 * {"message": "Not Found"}} for an unknown id and {@code 422 {"message": "invalid id"}} for an id
 * starting with {@code invalid}. {@code GET /private/<id>} answers the same only when {@code
 * X-Api-Key} carries the key it was given, else {@code 401}. Its 200s and 304s carry the {@code
 * Cache-Control} it is given ({@link #cacheControl}), none until then. It counts full answers, 304s
 * and 4xx, and records the conditional headers each request carried.
 */
public final class VersionedApi implements AutoCloseable {
  /** The conditional headers one request carried (empty when absent). */
  public record Conditions(String ifNoneMatch, String ifModifiedSince) {}

  private static final Instant FIRST_VERSION = Instant.parse("2015-10-21T07:28:00Z");

  private final LoopbackHttp http;
  private final String apiKey;
  private final Map<String, Integer> versions = new ConcurrentHashMap<>();
  private final AtomicInteger full = new AtomicInteger();
  private final AtomicInteger notModified = new AtomicInteger();
  private final AtomicInteger clientErrors = new AtomicInteger();
  private final List<Conditions> conditions = new CopyOnWriteArrayList<>();
  private volatile String cacheControl = "";

  private VersionedApi(String apiKey) {
    this.apiKey = apiKey;
    http = LoopbackHttp.serve(this::answer);
  }

  /** Knows no item until {@link #put}; {@code /private} wants {@code apiKey}. */
  public static VersionedApi start(String apiKey) {
    return new VersionedApi(apiKey);
  }

  /** {@code http://127.0.0.1:<port>}, without a trailing slash. */
  public String url() {
    return http.url();
  }

  /** Makes {@code id} known at version 1, or changes it to its next version. */
  public void put(String id) {
    versions.merge(id, 1, Integer::sum);
  }

  /**
   * Sends {@code value} as the {@code Cache-Control} of 200s and 304s from now on (GitHub's REST
   * API sends {@code private, max-age=60, s-maxage=60} with every authenticated answer).
   */
  public void cacheControl(String value) {
    cacheControl = value;
  }

  /** Forgets every item, every count and the {@code Cache-Control} it was given. */
  public void reset() {
    cacheControl = "";
    versions.clear();
    full.set(0);
    notModified.set(0);
    clientErrors.set(0);
    conditions.clear();
  }

  /** Answers sent with a body: 200s. */
  public int fullAnswers() {
    return full.get();
  }

  /** 304 answers, sent without a body. */
  public int notModifiedAnswers() {
    return notModified.get();
  }

  /** 4xx answers. */
  public int clientErrors() {
    return clientErrors.get();
  }

  /** The conditional headers of every request, in order. */
  public List<Conditions> conditions() {
    return List.copyOf(conditions);
  }

  /** The {@code ETag} of {@code id} at {@code version}. */
  public static String etag(String id, int version) {
    return "\"" + id + "-v" + version + "\"";
  }

  /** The {@code Last-Modified} of {@code version}: a day apart per version. */
  public static String lastModified(int version) {
    return DateTimeFormatter.RFC_1123_DATE_TIME.format(
        FIRST_VERSION.plusSeconds(86_400L * (version - 1)).atOffset(ZoneOffset.UTC));
  }

  @Override
  public void close() {
    http.close();
  }

  private void answer(HttpExchange exchange) throws IOException {
    try (exchange) {
      String path = exchange.getRequestURI().getRawPath();
      conditions.add(
          new Conditions(header(exchange, "If-None-Match"), header(exchange, "If-Modified-Since")));
      if (path.startsWith("/private/") && !apiKey.equals(header(exchange, "X-Api-Key"))) {
        send(exchange, 401, new JsonObject().put("message", "Bad credentials"));
        return;
      }
      String id = path.substring(path.lastIndexOf('/') + 1);
      if (id.startsWith("invalid")) {
        send(exchange, 422, new JsonObject().put("message", "invalid id"));
        return;
      }
      Integer version = versions.get(id);
      if (version == null) {
        send(exchange, 404, new JsonObject().put("message", "Not Found"));
        return;
      }
      String etag = etag(id, version);
      exchange.getResponseHeaders().set("ETag", etag);
      exchange.getResponseHeaders().set("Last-Modified", lastModified(version));
      if (!cacheControl.isEmpty()) {
        exchange.getResponseHeaders().set("Cache-Control", cacheControl);
      }
      if (etag.equals(header(exchange, "If-None-Match"))) {
        notModified.incrementAndGet();
        exchange.sendResponseHeaders(304, -1);
        return;
      }
      send(exchange, 200, new JsonObject().put("id", id).put("version", version));
    }
  }

  private void send(HttpExchange exchange, int status, JsonObject json) throws IOException {
    if (status == 200) {
      full.incrementAndGet();
    } else {
      clientErrors.incrementAndGet();
    }
    byte[] body = json.encode().getBytes(StandardCharsets.UTF_8);
    exchange.getResponseHeaders().set("Content-Type", "application/json");
    exchange.sendResponseHeaders(status, body.length);
    exchange.getResponseBody().write(body);
  }

  private static String header(HttpExchange exchange, String name) {
    String value = exchange.getRequestHeaders().getFirst(name);
    return value == null ? "" : value;
  }
}
