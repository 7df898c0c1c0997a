package cachegate.store;

import cachegate.bench.Bodies;
import cachegate.config.Routes;
import cachegate.engine.CacheKey;
import cachegate.engine.CachedResponse;
import cachegate.engine.ResponseBody;
import java.time.Duration;
import java.time.Instant;
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
 * The Redis envelope of a real answer. {@code decode} is what every Redis hit pays (it checks the
 * stored gzip against its CRC-32C; an identity answer then also pays {@code
 * ResponseBodyBenchmark.fromGzip}'s decompression); {@code encode} is what every store pays. {@link EntryCodec}
 * is package-private, hence this package (split packages are fine on the class path).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class EntryCodecBenchmark {
  @Param({"germany", "united states"})
  public String country;

  private CacheKey key;
  private CachedResponse entry;
  private byte[] envelope;

  @Setup
  public void store() {
    key = Routes.universities().key("cachegate", Map.of("country", List.of(country)));
    entry =
        new CachedResponse(
            200,
            "application/json",
            ResponseBody.of(Bodies.of(country)),
            Instant.parse("2025-01-01T00:00:00Z"),
            Duration.ofSeconds(30),
            Duration.ofMillis(300));
    envelope = EntryCodec.encode(key, entry);
  }

  @Benchmark
  public CachedResponse decode() {
    return EntryCodec.decode(key, envelope);
  }

  @Benchmark
  public byte[] encode() {
    return EntryCodec.encode(key, entry);
  }
}
