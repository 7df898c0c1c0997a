package cachegate.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The real upstream answers the benchmarks work on: bench/jmh.sh writes them (with the fake
 * upstream's own search, so they are byte for byte what the API answers) into the directory named by
 * the system property {@code cachegate.bench.bodies}.
 */
public final class Bodies {
  private Bodies() {}

  /** The JSON answer for {@code country}, e.g. {@code germany} (66 KB) or {@code united states}. */
  public static byte[] of(String country) {
    String dir = System.getProperty("cachegate.bench.bodies");
    if (dir == null) {
      throw new IllegalStateException("set -Dcachegate.bench.bodies (bench/jmh.sh does)");
    }
    try {
      return Files.readAllBytes(Path.of(dir, country.replace(' ', '-') + ".json"));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
