package cachegate.soak;

import cachegate.support.FakeUniversitiesApi;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import java.util.zip.GZIPInputStream;

/**
 * One request of the soak mix: its path and query, the status a correct answer has, and for valid
 * queries the exact JSON the upstream sends, which cachegate must pass on unchanged (or gzip whose
 * inflated bytes are that JSON). It also remembers the Redis key cachegate names in {@code
 * Cache-Status}, so that the soak can ask Redis whether an entry was there to serve. Thread-safe.
 */
final class SoakQuery {
  /** The 40 countries with the most universities in the real dataset, as the API spells them. */
  private static final List<String> COUNTRIES =
      List.of(
          "United States",
          "Japan",
          "India",
          "China",
          "Germany",
          "Russian Federation",
          "France",
          "Korea, Republic of",
          "United Kingdom",
          "Iran",
          "Indonesia",
          "Turkiye",
          "Brazil",
          "Mexico",
          "Canada",
          "Malaysia",
          "Poland",
          "Pakistan",
          "Argentina",
          "Philippines",
          "Nigeria",
          "Colombia",
          "Spain",
          "Italy",
          "Taiwan, Province of China",
          "Bangladesh",
          "Switzerland",
          "Ukraine",
          "Peru",
          "Thailand",
          "Chile",
          "Portugal",
          "Romania",
          "Saudi Arabia",
          "Australia",
          "Belgium",
          "Kenya",
          "Viet Nam",
          "Netherlands",
          "Iraq");

  /** Pages of some countries: country, limit (or empty), offset (or empty). */
  private static final List<List<String>> PAGES =
      List.of(
          List.of("United States", "10", ""),
          List.of("United States", "10", "10"),
          List.of("United States", "50", "100"),
          List.of("Japan", "5", ""),
          List.of("Japan", "20", "40"),
          List.of("India", "25", ""),
          List.of("China", "", "300"),
          List.of("Germany", "3", "7"),
          List.of("France", "100", ""),
          List.of("Brazil", "1", ""),
          List.of("United Kingdom", "10", "5"),
          List.of("Canada", "", "150"),
          List.of("Mexico", "7", "7"),
          List.of("Poland", "15", ""));

  /** Countries asked for through the rate-budgeted route ({@link SoakRoutes#BUDGETED}). */
  private static final List<String> BUDGETED = COUNTRIES.subList(20, 30);

  /** Queries cachegate must refuse with 400 without asking anyone. */
  private static final List<String> INVALID =
      List.of(
          "/universities",
          "/universities?country=",
          "/universities?country=France&limit=ten",
          "/universities?country=Japan&country=Germany",
          "/universities?country=Spain&offset=-1",
          "/universities?limit=5");

  private final String pathAndQuery;
  private final int expectedStatus;
  private final Optional<byte[]> expectedBody;
  private final AtomicReference<String> redisKey = new AtomicReference<>();
  private final AtomicReference<byte[]> verifiedGzip = new AtomicReference<>();

  private SoakQuery(String pathAndQuery, int expectedStatus, Optional<byte[]> expectedBody) {
    this.pathAndQuery = pathAndQuery;
    this.expectedStatus = expectedStatus;
    this.expectedBody = expectedBody;
  }

  /** The 70 queries of the mix, with the answers {@code upstream} gives for the valid ones. */
  static List<SoakQuery> mix(FakeUniversitiesApi upstream) {
    List<SoakQuery> queries = new ArrayList<>();
    COUNTRIES.forEach(country -> queries.add(valid(upstream, "/universities", country, "", "")));
    PAGES.forEach(
        page ->
            queries.add(valid(upstream, "/universities", page.get(0), page.get(1), page.get(2))));
    BUDGETED.forEach(country -> queries.add(valid(upstream, SoakRoutes.BUDGETED, country, "", "")));
    INVALID.forEach(path -> queries.add(new SoakQuery(path, 400, Optional.empty())));
    return List.copyOf(queries);
  }

  private static SoakQuery valid(
      FakeUniversitiesApi upstream, String route, String country, String limit, String offset) {
    Map<String, String> params = new LinkedHashMap<>();
    params.put("country", country);
    if (!limit.isEmpty()) {
      params.put("limit", limit);
    }
    if (!offset.isEmpty()) {
      params.put("offset", offset);
    }
    StringBuilder path = new StringBuilder(route);
    params.forEach(
        (name, value) ->
            path.append(path.indexOf("?") < 0 ? '?' : '&')
                .append(name)
                .append('=')
                .append(URLEncoder.encode(value, StandardCharsets.UTF_8)));
    return new SoakQuery(path.toString(), 200, Optional.of(upstream.answer(params)));
  }

  String pathAndQuery() {
    return pathAndQuery;
  }

  int expectedStatus() {
    return expectedStatus;
  }

  boolean isValid() {
    return expectedStatus == 200;
  }

  /** Whether it asks the rate-budgeted route, which may answer 503 with {@code Retry-After}. */
  boolean isBudgeted() {
    return pathAndQuery.startsWith(SoakRoutes.BUDGETED + "?");
  }

  /** Whether {@code body} is exactly the upstream's JSON for this query. */
  boolean isExpectedBody(byte[] body) {
    return expectedBody.map(expected -> Arrays.equals(expected, body)).orElse(false);
  }

  /**
   * Whether {@code gzip} inflates to exactly the upstream's JSON. cachegate compresses an entry
   * once, so the same bytes come again and again: bytes equal to the last ones that inflated right
   * are not inflated again.
   */
  boolean isExpectedGzip(byte[] gzip) {
    if (Arrays.equals(verifiedGzip.get(), gzip)) {
      return true;
    }
    int length = expectedBody.map(expected -> expected.length).orElse(0);
    try (GZIPInputStream in = new GZIPInputStream(new ByteArrayInputStream(gzip))) {
      // One byte more than expected, so that a longer body shows as different.
      if (isExpectedBody(in.readNBytes(length + 1))) {
        verifiedGzip.set(gzip);
        return true;
      }
      return false;
    } catch (IOException notGzip) {
      return false;
    }
  }

  /** The Redis key from a {@code Cache-Status} header, once one has been seen. */
  Optional<String> redisKey() {
    return Optional.ofNullable(redisKey.get());
  }

  void rememberRedisKey(String key) {
    redisKey.compareAndSet(null, key);
  }

  @Override
  public String toString() {
    return pathAndQuery;
  }
}
