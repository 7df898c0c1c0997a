package cachegate.config;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

/** cachegate's version, as the build wrote it into {@code cachegate/version.txt}. */
public final class Version {
  /** {@code 0.1.0-SNAPSHOT}, or {@code dev} when run from classes the build did not filter. */
  public static final String CURRENT = read();

  private Version() {}

  private static String read() {
    try (InputStream in = Version.class.getResourceAsStream("/cachegate/version.txt")) {
      if (in == null) {
        return "dev";
      }
      String text = new String(in.readNBytes(100), StandardCharsets.UTF_8).strip();
      return text.isEmpty() || text.startsWith("$") ? "dev" : text;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
