package cachegate.config;

import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The environment read as typed settings: blank values count as unset, a bad value is a {@link
 * ConfigException} naming the variable and the value, and what looks wrong but is allowed is kept
 * as a warning.
 */
final class Env {
  private final Map<String, String> env;

  /** What looks wrong but is allowed, in the order found; a setting read twice warns once. */
  private final Set<String> warnings = new LinkedHashSet<>();

  Env(Map<String, String> env) {
    this.env = env;
  }

  void warn(String warning) {
    warnings.add(warning);
  }

  List<String> warnings() {
    return List.copyOf(warnings);
  }

  Optional<String> value(String name) {
    String value = env.get(name);
    return value == null || value.isBlank() ? Optional.empty() : Optional.of(value.strip());
  }

  int integer(String name, int defaultValue) {
    return value(name).map(v -> parseInt(name, v)).orElse(defaultValue);
  }

  long longInteger(String name, long defaultValue) {
    return value(name)
        .map(
            v -> {
              try {
                return Long.parseLong(v);
              } catch (NumberFormatException e) {
                throw new ConfigException(name + " must be an integer, was '" + v + "'");
              }
            })
        .orElse(defaultValue);
  }

  static int parseInt(String name, String value) {
    try {
      return Integer.parseInt(value);
    } catch (NumberFormatException e) {
      throw new ConfigException(name + " must be an integer, was '" + value + "'");
    }
  }

  long positiveLong(String name, long defaultValue) {
    long value = longInteger(name, defaultValue);
    if (value < 1) {
      throw new ConfigException(name + " must be positive, was " + value);
    }
    return value;
  }

  double fraction(String name, double defaultValue) {
    Optional<String> raw = value(name);
    if (raw.isEmpty()) {
      return defaultValue;
    }
    try {
      double parsed = Double.parseDouble(raw.get());
      if (parsed >= 0 && parsed < 1) {
        return parsed;
      }
    } catch (NumberFormatException e) {
      // reported below
    }
    throw new ConfigException(
        name + " must be a fraction from 0 up to (not including) 1, was '" + raw.get() + "'");
  }

  /** A stale window: like {@link #duration}, but 0 (no window) is allowed. */
  Duration window(String name, Duration defaultValue) {
    return duration(name, defaultValue, Durations.Range.NOT_NEGATIVE);
  }

  /**
   * Seconds as in flask-caching ({@code 30}, {@code 0.5}), or with a unit: {@code 100ms}, {@code
   * 2s}.
   */
  Duration duration(String name, Duration defaultValue) {
    return duration(name, defaultValue, Durations.Range.POSITIVE);
  }

  Duration duration(String name, Duration defaultValue, Durations.Range range) {
    Optional<String> raw = value(name);
    if (raw.isEmpty()) {
      return defaultValue;
    }
    Duration parsed;
    try {
      parsed = Durations.parse(raw.get(), range);
    } catch (IllegalArgumentException e) {
      throw new ConfigException(name + " " + e.getMessage() + ", was '" + raw.get() + "'");
    }
    DurationWarnings.check(name, name + "=" + raw.get(), raw.get(), parsed)
        .ifPresent(warnings::add);
    return parsed;
  }

  URI url(String name, URI defaultValue) {
    Optional<String> raw = value(name);
    if (raw.isEmpty()) {
      return defaultValue;
    }
    try {
      return new URI(raw.get());
    } catch (URISyntaxException e) {
      throw new ConfigException(name + " is not a valid URL, was '" + raw.get() + "'");
    }
  }
}
