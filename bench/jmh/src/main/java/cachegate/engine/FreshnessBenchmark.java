package cachegate.engine;

import java.time.Duration;
import java.time.Instant;
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
 * The freshness decision every lookup makes: {@link Freshness#assess} for an entry that is fresh,
 * within stale-while-revalidate, or within stale-if-error (default policy: 30 s, 60 s, 1 day), and
 * XFetch's {@link Freshness#refreshEarly}, which fresh hits also evaluate.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class FreshnessBenchmark {
  @Param({"10", "45", "3600"})
  public long ageSeconds;

  private final CachePolicy policy = CachePolicy.ofTtl(Duration.ofSeconds(30));
  private CachedResponse entry;
  private Instant now;

  @Setup
  public void entry() {
    Instant storedAt = Instant.parse("2025-01-01T00:00:00Z");
    entry =
        new CachedResponse(
            200,
            "application/json",
            ResponseBody.of("[]".getBytes(java.nio.charset.StandardCharsets.UTF_8)),
            storedAt,
            Duration.ofMillis(28_500),
            Duration.ofMillis(300));
    now = storedAt.plusSeconds(ageSeconds);
  }

  @Benchmark
  public Freshness assess() {
    return Freshness.assess(entry, now, policy);
  }

  @Benchmark
  public boolean refreshEarly() {
    return Freshness.refreshEarly(entry, now, policy, 0.5);
  }
}
