package cachegate.http;

import cachegate.config.Routes;
import cachegate.engine.CacheKey;
import cachegate.engine.Route;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * Key normalisation, as every request pays it before any lookup: {@link Route#key} alone, and the
 * handler's whole step from the raw query string ({@link QueryString#parse}, package-private, hence
 * this package). {@code query}: the typical question, and one with padding, case, a leading zero and
 * an ignored parameter.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class KeyNormalisationBenchmark {
  @Param({"country=Germany", "country=%20United%20States&name=Tech&limit=010&utm_source=x"})
  public String query;

  private final Route route = Routes.universities();
  private Map<String, List<String>> parsed;

  @Setup
  public void parse() {
    parsed = QueryString.parse(query);
  }

  @Benchmark
  public CacheKey routeKey() {
    return route.key("cachegate", parsed);
  }

  @Benchmark
  public CacheKey parseAndKey() {
    return route.key("cachegate", QueryString.parse(query));
  }
}
