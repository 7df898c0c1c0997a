package cachegate.http;

import static org.assertj.core.api.Assertions.assertThat;

import cachegate.config.ConfigLoader;
import cachegate.engine.CacheKey;
import cachegate.engine.InvalidRequestException;
import cachegate.engine.ManualClock;
import cachegate.engine.Route;
import cachegate.support.BuiltInRoute;
import cachegate.support.FakeUniversitiesApi;
import cachegate.support.GatewayUnderTest;
import cachegate.support.RedisServer;
import io.vertx.core.json.JsonObject;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;
import net.jqwik.api.statistics.Statistics;

/**
 * Searches for cache poisoning end to end: random raw query strings, mixing the route's parameters
 * with look-alikes, junk, real-ish and arbitrary values, valid and broken escapes, with random sets
 * of the request headers the route varies by (missing, empty, in any case, repeated) and one it
 * does not, are sent over a raw socket to one cachegate on one Redis and one fake upstream whose
 * answer depends on the forwarded header. Nothing is flushed between tries, so the cache fills up
 * and later tries are served entries stored by earlier ones. The oracle is cachegate's own parser
 * and {@link Route#key}: a request they refuse must be refused without reaching the upstream; any
 * other must be answered with exactly what the upstream answers for its key and its forwarded
 * header, whoever stored the entry: never an entry stored for other values of the varied headers.
 * The local tier is a few hundred bytes, so entries churn through it and identity answers of 16 KiB
 * and more are sent from identity files, each shared by every key whose body has the same bytes.
 */
class CachePoisoningPropertyIT {
  private static final String NAMESPACE = "cachegate";

  /** The key and token sent to the upstream with every request, never part of a key. */
  private static final String APPID = "poison-appid-key";

  private static final String TOKEN = "poison-bearer-token";

  /**
   * The built-in route written out in a routes file, with credentials added: the oracle keys
   * queries with it, so a key that depended on the credentials would fail every try.
   */
  private static Route universities;

  private static final List<String> ALLOWED_NAMES =
      List.of("country", "name", "name_contains", "domain", "limit", "offset");

  /** Names that are not the route's, some of them only after decoding or only by their case. */
  private static final List<String> OTHER_NAMES =
      List.of(
          "Country",
          "COUNTRY",
          "Name",
          "LIMIT",
          "utm_source",
          "callback",
          "pad",
          "x",
          "country_",
          "name contains",
          "country[]",
          "données",
          "");

  /** Names rendered as they are: escapes that decode to allowed names, or broken ones. */
  private static final List<String> RAW_NAMES =
      List.of(
          "coun%74ry",
          "name%5Fcontains",
          "%63%6f%75%6e%74%72%79",
          "country%20",
          "+country",
          "%zz",
          "%00",
          "Set-Cookie%0D%0A",
          "country%C0%AF");

  private static final List<String> REALISH_VALUES =
      List.of(
          "Germany",
          "germany",
          " GERMANY ",
          "United States",
          "Turkey",
          "middle",
          "Middle East",
          "tech",
          "de",
          "edu.tr",
          "Universität",
          "Türkiye",
          "İstanbul",
          "日本",
          "😀",
          "5",
          "0",
          "007",
          " 3 ",
          "-1",
          "abc",
          "999999999",
          "1000000000",
          "");

  private static final List<String> PLAUSIBLE_TEXTS =
      List.of(
          "Germany",
          "germany",
          " GERMANY ",
          "United States",
          "Turkey",
          "TURKEY",
          "middle",
          "Middle",
          "tech",
          "de",
          "Universität",
          "İstanbul");

  private static final List<String> PLAUSIBLE_RAW_TEXTS =
      List.of("united+states", "United%20States", "%20GERMANY%20", "Germ%61ny", "t%C3%BCrkiye");

  private static final List<String> PLAUSIBLE_COUNTS = List.of("0", "5", "005", " 3 ", "20");

  /** Value fragments rendered as they are: pre-encoded values, separators and broken escapes. */
  private static final List<String> RAW_VALUES =
      List.of(
          "united+states",
          "United%20States",
          "%20GERMANY%20",
          "Germ%61ny",
          "+5",
          "%zz",
          "%4",
          "%",
          "%C0%AF",
          "%ED%A0%80",
          "%C3%28",
          "%E2%82",
          "%FF",
          "%0D%0ASet-Cookie:x",
          "%00",
          "%09",
          "%7F",
          "%C2%85",
          "%C2%A0",
          "&",
          "=",
          "+",
          "#",
          ";",
          "?",
          "&&",
          "%26",
          "%3D",
          "%2B",
          "%23",
          "%25");

  /** Request header lines: the two the route varies by, named in any case, and one it does not. */
  private static final List<String> HEADER_NAMES =
      List.of("X-Tenant", "x-tenant", "X-TENANT", "Accept-Language", "accept-language", "X-Other");

  private static final List<String> HEADER_VALUES =
      List.of("", "acme", "Acme", "globex", "de", "de-DE", "en;q=0.8", "café", "x".repeat(100));

  private static RedisServer redis;
  private static FakeUniversitiesApi upstream;
  private static GatewayUnderTest gateway;

  /** The largest body of an answer served from an entry stored by an earlier try. */
  private static int largestHit;

  /** The Redis keys of the valid queries sent so far, in every try of this class. */
  private static final Set<String> validKeysSent = new HashSet<>();

  @BeforeContainer
  static void startOneGatewayForEveryTry() {
    redis = RedisServer.start();
    upstream = FakeUniversitiesApi.start().echoing("X-Tenant");
    Map<String, String> env =
        Map.of(
            "CACHE_TYPE",
            "redis",
            "CACHE_REDIS_URL",
            redis.url(),
            "CACHE_REDIS_TIMEOUT",
            "2s",
            "CACHE_TTL_JITTER",
            "0",
            "CACHEGATE_ROUTES",
            routesWithCredentials(upstream.url()).toString(),
            "POISON_TOKEN",
            TOKEN,
            // A local tier of a few entries and room for a copy or two: answers churn through it,
            // and most identity answers are sent from identity files, which are shared by every
            // key whose body has the same bytes (the many empty results among them).
            "CACHE_LOCAL_MAX_BYTES",
            "1024",
            "CACHE_LOCAL_DISK_DIR",
            temporaryDirectory("identity-files").toString());
    universities = ConfigLoader.from(env).routes().get(0).route();
    assertThat(universities.params()).isEqualTo(BuiltInRoute.universities().params());
    assertThat(universities.varyHeaders()).containsExactly("X-Tenant", "Accept-Language");
    gateway = GatewayUnderTest.start(env, new ManualClock());
  }

  /** The built-in route written out, sending a bearer token and an appid from a file. */
  private static Path routesWithCredentials(String upstreamUrl) {
    try {
      Path dir = Files.createTempDirectory("poisoning");
      Path appid = Files.writeString(dir.resolve("appid"), APPID);
      return Files.writeString(
          dir.resolve("routes.yml"),
          "routes:\n"
              + BuiltInRoute.routesFileEntry(upstreamUrl, Duration.ofSeconds(30))
              + """
                  varyHeaders: [X-Tenant, Accept-Language]
                  forwardHeaders: [X-Tenant]
                  upstreamHeaders:
                    Authorization: "Bearer ${env:POISON_TOKEN}"
                  upstreamQuery:
                    appid: ${file:%s}
              """
                  .formatted(appid));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @AfterContainer
  static void stopEverything() {
    String metrics;
    try {
      metrics = gateway.get("/metrics").body();
      gateway.close();
    } finally {
      upstream.close();
      redis.close();
    }
    // A hit with a body too large for a copy is written to a file (bodies under MIN_BYTES are
    // inflated instead: with the small fixture in place of the real dataset, every body is).
    if (largestHit >= IdentityFiles.MIN_BYTES) {
      assertThat(metrics)
          .as("identity answers were sent from files")
          .containsPattern("(?m)^cachegate_local_disk_files [1-9]");
    }
  }

  private static Path temporaryDirectory(String prefix) {
    try {
      return Files.createTempDirectory(Path.of("target").toAbsolutePath(), prefix);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Property(tries = 400)
  void anAnswerIsEitherARefusalThatNeverReachedTheUpstreamOrTheUpstreamsAnswerForItsOwnKey(
      @ForAll("queries") Query query) {
    String rawQuery = query.render();
    String queryAsTheServerReadsIt = readAsTheServerDoes(rawQuery);
    boolean tooLong = queryAsTheServerReadsIt.length() > RequestLimits.MAX_QUERY_BYTES;
    Optional<CacheKey> key = expectedKey(queryAsTheServerReadsIt, query.headers());
    boolean fetches = key.isPresent() && !tooLong;
    boolean storedBefore = fetches && !validKeysSent.add(key.get().redisKey());
    int upstreamBefore = upstream.requests();

    Answer answer = get("/universities?" + rawQuery, query.headers());

    Statistics.label("answer").collect(answer.status());
    Statistics.label("answer")
        .coverage(
            coverage -> {
              coverage.check(200).percentage(p -> p >= 30);
              coverage.check(400).percentage(p -> p >= 20);
              coverage.check(414).count(n -> n >= 1);
            });
    Statistics.label("varied headers sent")
        .collect(key.map(k -> k.variant().values().stream().filter(h -> !h.equals("-")).count()));
    Statistics.label("served from an entry stored by an earlier try")
        .collect(storedBefore)
        .coverage(coverage -> coverage.check(true).percentage(p -> p >= 10));
    assertThat(answer.status()).as("never a 5xx: %s", answer).isLessThan(500);
    if (tooLong) {
      assertRefused(answer, 414, upstreamBefore);
    } else if (key.isEmpty()) {
      assertRefused(answer, 400, upstreamBefore);
    } else {
      assertServedForItsOwnKey(answer, key.get(), storedBefore, upstreamBefore);
    }
    assertThat(upstream.requests())
        .as("upstream requests never exceed the distinct valid keys sent")
        .isLessThanOrEqualTo(validKeysSent.size());
    assertThat(upstream.queries())
        .as("every upstream request carries the key from the file")
        .allMatch(q -> q.endsWith("appid=" + APPID));
    assertThat(answer.headers() + new String(answer.body(), StandardCharsets.UTF_8))
        .as("no answer shows the credentials")
        .doesNotContain(APPID, TOKEN);
  }

  private static void assertRefused(Answer answer, int status, int upstreamBefore) {
    assertThat(answer.status()).as("%s", answer).isEqualTo(status);
    assertThat(answer.header("content-type")).isEqualTo("application/json");
    JsonObject body = new JsonObject(new String(answer.body(), StandardCharsets.UTF_8));
    assertThat(body.getInteger("status")).isEqualTo(status);
    assertThat(body.getString("error")).isNotBlank();
    assertThat(upstream.requests())
        .as("a refusal never reaches the upstream")
        .isEqualTo(upstreamBefore);
  }

  private static void assertServedForItsOwnKey(
      Answer answer, CacheKey key, boolean storedBefore, int upstreamBefore) {
    assertThat(answer.status()).as("%s for key %s", answer, key).isEqualTo(200);
    assertThat(answer.header("content-type")).isEqualTo("application/json");
    assertThat(answer.header("cache-status")).endsWith("; key=\"" + key.redisKey() + "\"");
    assertThat(answer.body())
        .as("the upstream's answer for %s and its forwarded header, byte for byte", key)
        .isEqualTo(upstream.answer(key.params(), key.forwardedHeaders()));
    assertThat(answer.header("vary")).isEqualTo("Accept-Encoding, X-Tenant, Accept-Language");
    assertThat(answer.header("x-cache")).isEqualTo(storedBefore ? "HIT" : "MISS");
    if (storedBefore) {
      largestHit = Math.max(largestHit, answer.body().length);
    }
    assertThat(upstream.requests()).isEqualTo(upstreamBefore + (storedBefore ? 0 : 1));
  }

  /** The key cachegate must use for this request, or empty when it must refuse it. */
  private static Optional<CacheKey> expectedKey(String rawQuery, List<HeaderLine> headers) {
    try {
      return Optional.of(
          universities.key(
              NAMESPACE,
              QueryString.parse(rawQuery),
              name ->
                  headers.stream()
                      .filter(header -> header.name().equalsIgnoreCase(name))
                      .map(header -> readAsTheServerDoes(header.value()))
                      .toList()));
    } catch (InvalidRequestException refused) {
      return Optional.empty();
    }
  }

  /**
   * The request line travels as UTF-8 bytes and the server reads it one char per byte (ISO-8859-1),
   * so that is the query string its parser sees.
   */
  private static String readAsTheServerDoes(String rawQuery) {
    return new String(rawQuery.getBytes(StandardCharsets.UTF_8), StandardCharsets.ISO_8859_1);
  }

  @Provide
  Arbitrary<Query> queries() {
    Arbitrary<List<Pair>> pairs =
        Arbitraries.frequencyOf(Tuple.of(3, plausiblePairs()), Tuple.of(2, wildPairs()));
    Arbitrary<Integer> padTo =
        Arbitraries.frequencyOf(
            Tuple.of(6, Arbitraries.just(0)),
            Tuple.of(1, Arbitraries.integers().between(4086, 4106)));
    Arbitrary<HeaderLine> line =
        Combinators.combine(Arbitraries.of(HEADER_NAMES), Arbitraries.of(HEADER_VALUES))
            .as(HeaderLine::new);
    Arbitrary<List<HeaderLine>> headers =
        Arbitraries.frequencyOf(
            Tuple.of(
                9,
                line.list()
                    .ofMaxSize(3)
                    .uniqueElements(header -> header.name().toLowerCase(Locale.ROOT))),
            Tuple.of(1, line.list().ofMaxSize(3)));
    return Combinators.combine(pairs, padTo, headers).as(Query::new);
  }

  /**
   * Mostly valid queries over few distinct keys, so that later tries meet entries stored by earlier
   * ones, written in other cases, paddings, escapings and orders: each allowed name at most once,
   * with a value of its type, and maybe an ignored parameter somewhere.
   */
  private static Arbitrary<List<Pair>> plausiblePairs() {
    Arbitrary<List<Pair>> allowed =
        Arbitraries.of(ALLOWED_NAMES)
            .list()
            .uniqueElements()
            .ofMinSize(1)
            .ofMaxSize(3)
            .flatMap(
                names ->
                    Combinators.combine(
                            names.stream().map(CachePoisoningPropertyIT::plausiblePair).toList())
                        .as(List::copyOf));
    Arbitrary<List<Pair>> ignored =
        Combinators.combine(names(Arbitraries.of(OTHER_NAMES)), values())
            .as((name, value) -> new Pair("&", name, true, value))
            .list()
            .ofMaxSize(1);
    return Combinators.combine(allowed, ignored, Arbitraries.integers().between(0, 3))
        .as(
            (known, unknown, at) -> {
              List<Pair> pairs = new ArrayList<>(known);
              pairs.addAll(Math.min(at, pairs.size()), unknown);
              return List.copyOf(pairs);
            });
  }

  private static Arbitrary<Pair> plausiblePair(String name) {
    boolean count = name.equals("limit") || name.equals("offset");
    Arbitrary<Piece> value =
        count
            ? Arbitraries.frequencyOf(
                Tuple.of(4, text(Arbitraries.of(PLAUSIBLE_COUNTS))),
                Tuple.of(1, Arbitraries.just(new Raw("+5"))))
            : Arbitraries.frequencyOf(
                Tuple.of(4, text(Arbitraries.of(PLAUSIBLE_TEXTS))),
                Tuple.of(1, Arbitraries.of(PLAUSIBLE_RAW_TEXTS).map(Raw::new)));
    return Combinators.combine(
            Arbitraries.of("&", "&", "&", "&&"), text(Arbitraries.just(name)), value)
        .as((separator, n, v) -> new Pair(separator, List.of(n), true, List.of(v)));
  }

  /** Anything: names, look-alikes and junk, repeated at will, with any value or none. */
  private static Arbitrary<List<Pair>> wildPairs() {
    Arbitrary<String> anyName =
        Arbitraries.frequencyOf(
            Tuple.of(4, Arbitraries.of(ALLOWED_NAMES)), Tuple.of(1, Arbitraries.of(OTHER_NAMES)));
    return Combinators.combine(
            Arbitraries.of("&", "&", "&", "&", "&", "&", "&&", ";"),
            names(anyName),
            Arbitraries.of(true, true, true, true, false),
            values())
        .as(Pair::new)
        .list()
        .ofMaxSize(6);
  }

  private static Arbitrary<List<Piece>> names(Arbitrary<String> plainNames) {
    Arbitrary<Piece> name =
        Arbitraries.frequencyOf(
            Tuple.of(16, text(plainNames)),
            Tuple.of(2, Arbitraries.of(RAW_NAMES).map(Raw::new)),
            Tuple.of(1, text(Arbitraries.strings().ofMaxLength(8))));
    return Arbitraries.frequencyOf(Tuple.of(9, name.map(List::of)), Tuple.of(1, pieces(name, 2)));
  }

  private static Arbitrary<List<Piece>> values() {
    Arbitrary<Piece> value =
        Arbitraries.frequencyOf(
            Tuple.of(10, text(Arbitraries.of(REALISH_VALUES))),
            Tuple.of(3, Arbitraries.of(RAW_VALUES).map(Raw::new)),
            Tuple.of(2, text(Arbitraries.strings().all().ofMaxLength(10))),
            Tuple.of(1, text(Arbitraries.strings().withCharRange(' ', '~').ofMaxLength(10))),
            Tuple.of(1, anyEscapedByte()),
            Tuple.of(1, text(Arbitraries.integers().between(195, 205).map("a"::repeat))));
    return Arbitraries.frequencyOf(Tuple.of(6, value.map(List::of)), Tuple.of(2, pieces(value, 3)));
  }

  private static Arbitrary<List<Piece>> pieces(Arbitrary<Piece> piece, int maxSize) {
    return piece.list().ofMinSize(1).ofMaxSize(maxSize);
  }

  private static Arbitrary<Piece> text(Arbitrary<String> texts) {
    return Combinators.combine(texts, Arbitraries.of(Escaping.class)).as(Text::new);
  }

  private static Arbitrary<Piece> anyEscapedByte() {
    return Combinators.combine(Arbitraries.integers().between(0, 255), Arbitraries.of(true, false))
        .as((b, upper) -> new Raw(String.format(upper ? "%%%02X" : "%%%02x", b)));
  }

  /**
   * A raw query: pairs joined by their separators, then, when {@code padTo} is positive, an ignored
   * {@code pad} parameter that brings the query to about {@code padTo} bytes, around the limit.
   */
  record Query(List<Pair> pairs, int padTo, List<HeaderLine> headers) {
    String render() {
      StringBuilder query = new StringBuilder();
      for (Pair pair : pairs) {
        if (query.length() > 0) {
          query.append(pair.separator());
        }
        query.append(pair.render());
      }
      if (padTo > 0) {
        int bytes = query.toString().getBytes(StandardCharsets.UTF_8).length;
        String start = bytes == 0 ? "pad=" : "&pad=";
        query.append(start).append("x".repeat(Math.max(1, padTo - bytes - start.length())));
      }
      return query.toString();
    }

    /** The raw query first, so that a shrunk sample reads as the request that was sent. */
    @Override
    public String toString() {
      return "?"
          + render()
          + " with "
          + headers
          + " from "
          + pairs
          + (padTo > 0 ? " padded to " + padTo : "");
    }
  }

  /** A request header line, sent as its UTF-8 bytes (the server reads them as ISO-8859-1). */
  record HeaderLine(String name, String value) {
    String render() {
      return name + ": " + value + "\r\n";
    }
  }

  /** One {@code name=value}, or a bare name when {@code withEquals} is false. */
  record Pair(String separator, List<Piece> name, boolean withEquals, List<Piece> value) {
    String render() {
      String renderedName = name.stream().map(Piece::render).collect(Collectors.joining());
      if (!withEquals) {
        return renderedName;
      }
      return renderedName + "=" + value.stream().map(Piece::render).collect(Collectors.joining());
    }
  }

  /** Part of a name or value, rendered into the request target. */
  interface Piece {
    String render();
  }

  /** Literal text, escaped so that it decodes back to itself (except where it is malformed). */
  record Text(String text, Escaping escaping) implements Piece {
    @Override
    public String render() {
      return escaping.render(text);
    }
  }

  /** Rendered as it is: separators, pre-encoded values and broken escapes. */
  record Raw(String raw) implements Piece {
    @Override
    public String render() {
      return raw;
    }
  }

  /**
   * How text is written into the request target. Spaces, controls and the query's own syntax
   * ({@code % & = + #}) are always escaped, so that the target stays one valid request line.
   */
  enum Escaping {
    /** Space as {@code +}, other ASCII as is, non-ASCII as raw UTF-8 bytes. */
    MINIMAL,
    /** Space as {@code %20}, non-ASCII as upper-case escapes of its UTF-8 bytes. */
    PERCENT,
    /** As {@link #PERCENT}, with lower-case hex digits. */
    PERCENT_LOWER_CASE,
    /** Every byte escaped, letters and digits too. */
    EVERYTHING;

    String render(String text) {
      StringBuilder out = new StringBuilder();
      text.codePoints()
          .forEach(
              c -> {
                boolean syntax = c <= ' ' || c == 0x7F || "%&=+#".indexOf(c) >= 0;
                if (this == MINIMAL && c == ' ') {
                  out.append('+');
                } else if (this == EVERYTHING || syntax || (this != MINIMAL && c > 0x7F)) {
                  escape(out, c);
                } else {
                  out.appendCodePoint(c);
                }
              });
      return out.toString();
    }

    private void escape(StringBuilder out, int codePoint) {
      String format = this == PERCENT_LOWER_CASE ? "%%%02x" : "%%%02X";
      for (byte b : Character.toString(codePoint).getBytes(StandardCharsets.UTF_8)) {
        out.append(String.format(format, b & 0xFF));
      }
    }
  }

  private static Answer get(String target, List<HeaderLine> headers) {
    String request =
        "GET "
            + target
            + " HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n"
            + headers.stream().map(HeaderLine::render).collect(Collectors.joining())
            + "\r\n";
    try (Socket socket = new Socket("127.0.0.1", gateway.uri("/").getPort())) {
      socket.setSoTimeout(15_000);
      socket.getOutputStream().write(request.getBytes(StandardCharsets.UTF_8));
      ByteArrayOutputStream received = new ByteArrayOutputStream();
      InputStream in = socket.getInputStream();
      byte[] buffer = new byte[16 * 1024];
      for (int read = in.read(buffer); read >= 0; read = in.read(buffer)) {
        received.write(buffer, 0, read);
      }
      return Answer.parse(received.toByteArray());
    } catch (IOException e) {
      throw new UncheckedIOException("no answer to GET " + target, e);
    }
  }

  /**
   * An answer read off a raw socket; the connection closes after it, so the body is the rest.
   *
   * @param headers names lower-cased; a repeated header keeps its last value
   */
  private record Answer(int status, Map<String, String> headers, byte[] body) {
    static Answer parse(byte[] received) {
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
      return new Answer(
          Integer.parseInt(lines[0].split(" ")[1]),
          headers,
          Arrays.copyOfRange(received, end + 4, received.length));
    }

    String header(String name) {
      return headers.getOrDefault(name, "");
    }

    @Override
    public String toString() {
      String body = new String(this.body, StandardCharsets.UTF_8);
      return status + " " + headers + " " + body.substring(0, Math.min(body.length(), 300));
    }
  }
}
