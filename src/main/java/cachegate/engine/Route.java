package cachegate.engine;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Function;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * A cached route: where cachegate serves it, which upstream URL answers it, which query parameters
 * it accepts and how each is normalised. It turns a raw query into a {@link CacheKey} or refuses it
 * with an {@link InvalidRequestException}, before any store or upstream is touched. Parameters not
 * in the list are never forwarded nor part of the key: {@link UnknownParams} says whether a request
 * that has one is refused or answered as if it had not.
 *
 * @param name the route's name in keys, metrics and logs: lower-case letters, digits, {@code -} and
 *     {@code _}
 * @param path where cachegate serves the route, e.g. {@code /universities}
 * @param upstream the upstream URL the key's parameters are sent to
 * @param params the accepted parameters
 * @param requireOneOf at least one of these parameters must be present (empty: no such rule)
 * @param unknownParams what a request with a parameter not in {@code params} gets
 * @param varyHeaders the request headers whose values are part of the key, as configured (their
 *     names ignore case): each value as its hash, a missing header as its own variant (empty: the
 *     route varies by no header, and every client shares its entries)
 * @param forwardHeaders the request headers sent on to the upstream, each one of {@code
 *     varyHeaders}, so that an entry is only ever served to requests with the values it was built
 *     from
 */
public record Route(
    String name,
    String path,
    UrlTemplate upstream,
    List<Param> params,
    Set<String> requireOneOf,
    UnknownParams unknownParams,
    List<String> varyHeaders,
    Set<String> forwardHeaders) {
  /** The most request headers a route may vary by. */
  public static final int MAX_VARY_HEADERS = 8;

  /** Header names a route may vary by: letters, digits, {@code -} and {@code _}. */
  public static final Pattern HEADER_NAME = Pattern.compile("[A-Za-z0-9_-]{1,64}");

  /** The most unknown parameter names a refusal lists, and the longest name it writes out. */
  private static final int NAMES_SHOWN = 5;

  private static final int NAME_LENGTH_SHOWN = 40;

  private static final Pattern NAME = Pattern.compile("[a-z0-9][a-z0-9_-]{0,39}");
  private static final Pattern PATH = Pattern.compile("(/[A-Za-z0-9._~-]+)+");

  /** What a request with a parameter the route does not list gets. */
  public enum UnknownParams {
    /**
     * 400 naming the unknown parameters and the accepted ones: a client that asks a question the
     * route cannot forward is told so, instead of getting the answer to another question.
     */
    REJECT,
    /**
     * Answered as if the parameter were absent (tracking parameters such as {@code utm_source}).
     */
    IGNORE
  }

  /** How a parameter's value is checked and normalised. */
  public enum ParamType {
    /** Free text: trimmed, never blank, lower-cased when the parameter says so. */
    STRING,
    /** A whole number: ASCII digits with an optional {@code -}, leading zeros dropped. */
    INTEGER,
    /** A decimal number, written canonically: {@code 52.50} and {@code 52.5} are one key. */
    NUMBER
  }

  /**
   * One accepted parameter.
   *
   * @param name its name in the query string
   * @param type how its value is checked and normalised
   * @param lowercase whether text is lower-cased, for upstreams that match case-insensitively
   * @param maxLength the longest raw value accepted, in characters
   * @param required whether a request without it is refused
   * @param defaultValue the value used when the request has none (empty: no default); it is part of
   *     the key and forwarded like a given value
   * @param min the smallest integer accepted ({@link Long#MIN_VALUE}: no bound)
   * @param max the largest integer accepted ({@link Long#MAX_VALUE}: no bound)
   */
  public record Param(
      String name,
      ParamType type,
      boolean lowercase,
      int maxLength,
      boolean required,
      String defaultValue,
      long min,
      long max) {
    public Param {
      Objects.requireNonNull(name, "name");
      Objects.requireNonNull(type, "type");
      Objects.requireNonNull(defaultValue, "defaultValue");
      if (name.isBlank()) {
        throw new IllegalArgumentException("param name must not be blank");
      }
      if (maxLength <= 0) {
        throw new IllegalArgumentException("param maxLength must be positive, was " + maxLength);
      }
      if (min > max) {
        throw new IllegalArgumentException(
            "param min must not exceed max, were " + min + " and " + max);
      }
      if (!defaultValue.isEmpty()) {
        normalise(name, type, lowercase, maxLength, min, max, defaultValue);
      }
    }

    /** The value a request gave, normalised, or the refusal naming this parameter. */
    String normalise(String raw) {
      return normalise(name, type, lowercase, maxLength, min, max, raw);
    }

    private static String normalise(
        String name,
        ParamType type,
        boolean lowercase,
        int maxLength,
        long min,
        long max,
        String raw) {
      int length = raw.codePointCount(0, raw.length());
      if (length > maxLength) {
        throw new InvalidRequestException(
            "parameter '%s' must be at most %d characters, was %d"
                .formatted(name, maxLength, length));
      }
      String value = raw.strip();
      if (value.isEmpty()) {
        throw new InvalidRequestException("parameter '" + name + "' must not be blank");
      }
      return switch (type) {
        case STRING -> lowercase ? value.toLowerCase(Locale.ROOT) : value;
        case INTEGER -> integer(name, value, min, max);
        case NUMBER -> number(name, value);
      };
    }
  }

  /** A route that ignores parameters it does not list, as the built-in route does. */
  public Route(
      String name,
      String path,
      UrlTemplate upstream,
      List<Param> params,
      Set<String> requireOneOf) {
    this(name, path, upstream, params, requireOneOf, UnknownParams.IGNORE);
  }

  /** A route that varies by no request header. */
  public Route(
      String name,
      String path,
      UrlTemplate upstream,
      List<Param> params,
      Set<String> requireOneOf,
      UnknownParams unknownParams) {
    this(name, path, upstream, params, requireOneOf, unknownParams, List.of(), Set.of());
  }

  public Route {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(unknownParams, "unknownParams");
    Objects.requireNonNull(path, "path");
    Objects.requireNonNull(upstream, "upstream");
    params = List.copyOf(params);
    requireOneOf = Set.copyOf(requireOneOf);
    varyHeaders = List.copyOf(varyHeaders);
    forwardHeaders = Set.copyOf(forwardHeaders);
    checkHeaders(varyHeaders, forwardHeaders);
    if (!NAME.matcher(name).matches()) {
      throw new IllegalArgumentException(
          "route name must be 1 to 40 lower-case letters, digits, '-' or '_', was '" + name + "'");
    }
    if (!PATH.matcher(path).matches()) {
      throw new IllegalArgumentException(
          "route path must be '/' followed by letters, digits, '.', '_', '~', '-' and '/', was '"
              + path
              + "'");
    }
    Set<String> names = new LinkedHashSet<>();
    for (Param param : params) {
      if (!names.add(param.name())) {
        throw new IllegalArgumentException("parameter '" + param.name() + "' is listed twice");
      }
    }
    for (String required : requireOneOf) {
      if (!names.contains(required)) {
        throw new IllegalArgumentException(
            "requireOneOf names '" + required + "', which is not a parameter of the route");
      }
    }
    for (String placeholder : upstream.placeholders()) {
      Param param =
          params.stream()
              .filter(p -> p.name().equals(placeholder))
              .findFirst()
              .orElseThrow(
                  () ->
                      new IllegalArgumentException(
                          "the upstream URL uses {"
                              + placeholder
                              + "}, which is not a parameter of the route"));
      if (!param.required() && param.defaultValue().isEmpty()) {
        throw new IllegalArgumentException(
            "parameter '"
                + placeholder
                + "' fills the upstream URL, so it must be required or have a default");
      }
    }
  }

  private static void checkHeaders(List<String> vary, Set<String> forward) {
    if (vary.size() > MAX_VARY_HEADERS) {
      throw new IllegalArgumentException(
          "a route may vary by at most " + MAX_VARY_HEADERS + " headers, was " + vary.size());
    }
    Set<String> names = new LinkedHashSet<>();
    for (String header : vary) {
      if (!HEADER_NAME.matcher(header).matches()) {
        throw new IllegalArgumentException(
            "varyHeaders names must be 1 to 64 letters, digits, '-' or '_', was '" + header + "'");
      }
      if (!names.add(header.toLowerCase(Locale.ROOT))) {
        throw new IllegalArgumentException("header '" + header + "' is listed twice");
      }
    }
    for (String header : forward) {
      if (!names.contains(header.toLowerCase(Locale.ROOT))) {
        throw new IllegalArgumentException(
            "forwardHeaders names '"
                + header
                + "', which is not in varyHeaders: an entry built with one client's value would"
                + " be served to others");
      }
    }
  }

  /** Whether the route's keys vary by request headers. */
  public boolean varies() {
    return !varyHeaders.isEmpty();
  }

  /**
   * Builds the key for a query given as parameter name to every value it was given with, for a
   * request without headers: for a route that {@linkplain #varies() varies} by headers, the variant
   * of a request that sends none of them.
   *
   * @throws InvalidRequestException as {@link #key(String, Map, Function)}
   */
  public CacheKey key(String namespace, Map<String, List<String>> query) {
    return key(namespace, query, header -> List.of());
  }

  /**
   * Builds the key for a query given as parameter name to every value it was given with, and the
   * request's headers given as every value of a header by its name (ignoring case).
   *
   * @throws InvalidRequestException when a parameter is repeated, blank, too long or of the wrong
   *     type, or a required one is missing, or (with {@link UnknownParams#REJECT}) not the route's;
   *     or when a header the route varies by is given more than once
   */
  public CacheKey key(
      String namespace, Map<String, List<String>> query, Function<String, List<String>> headers) {
    if (unknownParams == UnknownParams.REJECT) {
      refuseUnknown(query.keySet());
    }
    TreeMap<String, String> normalised = new TreeMap<>();
    for (Param param : params) {
      List<String> values = query.getOrDefault(param.name(), List.of());
      if (values.size() > 1) {
        throw new InvalidRequestException(
            "parameter '" + param.name() + "' must be given at most once");
      }
      if (values.size() == 1) {
        normalised.put(param.name(), param.normalise(values.get(0)));
      } else if (param.required()) {
        throw new InvalidRequestException("parameter '" + param.name() + "' is required");
      } else if (!param.defaultValue().isEmpty()) {
        normalised.put(param.name(), param.normalise(param.defaultValue()));
      }
    }
    if (!requireOneOf.isEmpty() && requireOneOf.stream().noneMatch(normalised::containsKey)) {
      throw new InvalidRequestException(
          "at least one of these parameters is required: " + requiredNames());
    }
    for (String placeholder : upstream.placeholders()) {
      // A dot segment in the upstream path would address another resource there.
      String value = normalised.get(placeholder);
      if (".".equals(value) || "..".equals(value)) {
        throw new InvalidRequestException(
            "parameter '" + placeholder + "' must not be '" + value + "'");
      }
    }
    if (varyHeaders.isEmpty()) {
      return new CacheKey(namespace, name, normalised);
    }
    List<String> vary = new ArrayList<>();
    Map<String, String> given = new TreeMap<>();
    for (String header : varyHeaders) {
      String lower = header.toLowerCase(Locale.ROOT);
      vary.add(lower);
      List<String> values = headers.apply(header);
      if (values.size() > 1) {
        throw new InvalidRequestException("header '" + header + "' must be given at most once");
      }
      if (values.size() == 1) {
        given.put(lower, values.get(0));
      }
    }
    Set<String> forward = new LinkedHashSet<>();
    forwardHeaders.forEach(header -> forward.add(header.toLowerCase(Locale.ROOT)));
    return new CacheKey(namespace, name, normalised, vary, given, forward);
  }

  private void refuseUnknown(Set<String> given) {
    Set<String> accepted = new LinkedHashSet<>();
    params.forEach(p -> accepted.add(p.name()));
    List<String> unknown = given.stream().filter(n -> !accepted.contains(n)).toList();
    if (unknown.isEmpty()) {
      return;
    }
    String names =
        unknown.stream()
            .limit(NAMES_SHOWN)
            .map(
                n ->
                    "'"
                        + (n.length() > NAME_LENGTH_SHOWN
                            ? n.substring(0, NAME_LENGTH_SHOWN) + "..."
                            : n)
                        + "'")
            .collect(Collectors.joining(", "));
    if (unknown.size() > NAMES_SHOWN) {
      names += " and " + (unknown.size() - NAMES_SHOWN) + " more";
    }
    throw new InvalidRequestException(
        (unknown.size() == 1 ? "unknown parameter " : "unknown parameters ")
            + names
            + (accepted.isEmpty()
                ? "; this route accepts no parameters"
                : "; this route accepts " + String.join(", ", accepted)));
  }

  private String requiredNames() {
    return params.stream()
        .map(Param::name)
        .filter(requireOneOf::contains)
        .collect(Collectors.joining(", "));
  }

  /** How many zeros {@code digits} starts with, keeping its last digit: "007" 2, "000" 2. */
  private static int leadingZeros(String digits) {
    int zeros = 0;
    while (zeros < digits.length() - 1 && digits.charAt(zeros) == '0') {
      zeros++;
    }
    return zeros;
  }

  private static String integer(String name, String value, long min, long max) {
    boolean negative = value.startsWith("-");
    String digits = negative ? value.substring(1) : value;
    if (digits.isEmpty() || !digits.chars().allMatch(c -> c >= '0' && c <= '9')) {
      throw new InvalidRequestException(
          "parameter '%s' must be an integer, was '%s'".formatted(name, value));
    }
    digits = digits.substring(leadingZeros(digits));
    if (digits.length() > 18) {
      throw new InvalidRequestException(
          "parameter '%s' must be at most 18 digits, was '%s'".formatted(name, value));
    }
    long parsed = negative ? -Long.parseLong(digits) : Long.parseLong(digits);
    if (parsed < min) {
      throw new InvalidRequestException(
          "parameter '%s' must be at least %d, was '%s'".formatted(name, min, value));
    }
    if (parsed > max) {
      throw new InvalidRequestException(
          "parameter '%s' must be at most %d, was '%s'".formatted(name, max, value));
    }
    return Long.toString(parsed);
  }

  private static final Pattern DECIMAL = Pattern.compile("-?[0-9]+(\\.[0-9]+)?");

  private static String number(String name, String value) {
    if (!DECIMAL.matcher(value).matches()) {
      throw new InvalidRequestException(
          "parameter '%s' must be a decimal number such as -12.5, was '%s'".formatted(name, value));
    }
    BigDecimal parsed = new BigDecimal(value).stripTrailingZeros();
    return parsed.signum() == 0 ? "0" : parsed.toPlainString();
  }
}
