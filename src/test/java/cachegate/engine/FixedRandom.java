package cachegate.engine;

import java.util.random.RandomGenerator;

/** A random number generator whose {@code nextDouble()} is always the same, chosen by the test. */
final class FixedRandom implements RandomGenerator {
  private final double value;

  private FixedRandom(double value) {
    this.value = value;
  }

  /** A generator always returning {@code value}, which must be in [0, 1). */
  static FixedRandom of(double value) {
    if (!(value >= 0 && value < 1)) {
      throw new IllegalArgumentException("nextDouble() must be in [0, 1), was " + value);
    }
    return new FixedRandom(value);
  }

  @Override
  public double nextDouble() {
    return value;
  }

  @Override
  public long nextLong() {
    return (long) (value * 0x1.0p53) << 11;
  }
}
