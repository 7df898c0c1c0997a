package cachegate.engine;

import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;

/**
 * A cached route: which query parameters it accepts, how each is normalised, and which are
 * required. It turns a raw query into a {@link CacheKey} or refuses it with an {@link
 * InvalidRequestException}, before any store or upstream is touched. Parameters not in the list are
 * ignored: neither forwarded nor part of the key.
 *
 * @param name the route's name in keys and logs
 * @param path where cachegate serves the route, e.g. {@code /universities}
 * @param upstreamPath the path appended to the upstream base URL
 * @param params the accepted parameters
 * @param requireOneOf at least one of these parameters must be present
 */
public record Route(
    String name, String path, String upstreamPath, List<Param> params, Set<String> requireOneOf) {

  /** How a parameter's value is checked and normalised. */
  public enum ParamType {
    /** Free text the upstream matches case-insensitively: trimmed, lower-cased, never blank. */
    TEXT,
    /** A count such as {@code limit}: digits only, leading zeros dropped. */
    NON_NEGATIVE_INTEGER
  }

  /**
   * One accepted parameter.
   *
   * @param name its name in the query string
   * @param type how its value is checked and normalised
   * @param maxLength the longest raw value accepted, in characters
   */
  public record Param(String name, ParamType type, int maxLength) {
    public Param {
      Objects.requireNonNull(name, "name");
      Objects.requireNonNull(type, "type");
      if (maxLength <= 0) {
        throw new IllegalArgumentException("param maxLength must be positive, was " + maxLength);
      }
    }
  }

  public Route {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(path, "path");
    Objects.requireNonNull(upstreamPath, "upstreamPath");
    params = List.copyOf(params);
    requireOneOf = Set.copyOf(requireOneOf);
  }

  /**
   * Builds the key for a query given as parameter name to every value it was given with.
   *
   * @throws InvalidRequestException when a parameter is repeated, blank, too long or of the wrong
   *     type, or when none of {@link #requireOneOf} is present
   */
  public CacheKey key(String namespace, Map<String, List<String>> query) {
    TreeMap<String, String> normalised = new TreeMap<>();
    for (Param param : params) {
      List<String> values = query.getOrDefault(param.name(), List.of());
      if (values.size() > 1) {
        throw new InvalidRequestException(
            "parameter '" + param.name() + "' must be given at most once");
      }
      if (values.size() == 1) {
        normalised.put(param.name(), normalise(param, values.get(0)));
      }
    }
    if (requireOneOf.stream().noneMatch(normalised::containsKey)) {
      throw new InvalidRequestException(
          "at least one of these parameters is required: " + requiredNames());
    }
    return new CacheKey(namespace, name, normalised);
  }

  private String requiredNames() {
    return params.stream()
        .map(Param::name)
        .filter(requireOneOf::contains)
        .collect(Collectors.joining(", "));
  }

  private static String normalise(Param param, String raw) {
    int length = raw.codePointCount(0, raw.length());
    if (length > param.maxLength()) {
      throw new InvalidRequestException(
          "parameter '%s' must be at most %d characters, was %d"
              .formatted(param.name(), param.maxLength(), length));
    }
    String value = raw.strip();
    if (value.isEmpty()) {
      throw new InvalidRequestException("parameter '" + param.name() + "' must not be blank");
    }
    return switch (param.type()) {
      case TEXT -> value.toLowerCase(Locale.ROOT);
      case NON_NEGATIVE_INTEGER -> nonNegativeInteger(param.name(), value);
    };
  }

  private static String nonNegativeInteger(String name, String value) {
    if (!value.chars().allMatch(c -> c >= '0' && c <= '9')) {
      throw new InvalidRequestException(
          "parameter '%s' must be a non-negative integer, was '%s'".formatted(name, value));
    }
    String digits = value.replaceFirst("^0+(?=.)", "");
    if (digits.length() > 9) {
      throw new InvalidRequestException(
          "parameter '%s' must be at most 999999999, was '%s'".formatted(name, value));
    }
    return digits;
  }
}
