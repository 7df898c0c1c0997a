package cachegate.engine;

import cachegate.bench.Bodies;
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
 * Both directions of the body's encodings: {@link ResponseBody#fromGzip} (decompressing and
 * checking, what an identity answer of an entry read from Redis pays), {@link ResponseBody#of}
 * (hashing, what an identity answer to a miss waits for) and {@code of(..).gzip()} (hashing and
 * compressing, what a gzip answer to a miss waits for; the store write pays it otherwise).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class ResponseBodyBenchmark {
  @Param({"germany", "united states"})
  public String country;

  private byte[] identity;
  private ResponseBody body;

  @Setup
  public void load() {
    identity = Bodies.of(country);
    body = ResponseBody.of(identity);
  }

  @Benchmark
  public ResponseBody fromGzip() {
    return ResponseBody.fromGzip(body.gzip(), body.etag());
  }

  @Benchmark
  public ResponseBody of() {
    return ResponseBody.of(identity);
  }

  @Benchmark
  public byte[] ofThenGzip() {
    return ResponseBody.of(identity).gzip();
  }
}
