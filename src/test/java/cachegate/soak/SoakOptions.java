package cachegate.soak;

import java.time.Duration;

/**
 * The soak's parameters: {@code --minutes N} (default 2, fractions allowed) and {@code --clients C}
 * (default 32).
 *
 * @param length how long the clients run
 * @param clients how many client loops run at once
 */
record SoakOptions(Duration length, int clients) {
  static SoakOptions parse(String... args) {
    double minutes = 2;
    int clients = 32;
    for (int i = 0; i < args.length; i += 2) {
      if (i + 1 >= args.length) {
        throw new IllegalArgumentException(args[i] + " needs a value");
      }
      try {
        switch (args[i]) {
          case "--minutes" -> minutes = Double.parseDouble(args[i + 1]);
          case "--clients" -> clients = Integer.parseInt(args[i + 1]);
          default -> throw new IllegalArgumentException("unknown argument " + args[i]);
        }
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException(args[i] + " must be a number, was " + args[i + 1]);
      }
    }
    if (!(minutes > 0) || clients < 1) {
      throw new IllegalArgumentException(
          "--minutes and --clients must be positive, were " + minutes + " and " + clients);
    }
    return new SoakOptions(Duration.ofMillis(Math.round(minutes * 60_000)), clients);
  }
}
