package cachegate.engine;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Collections;
import java.util.HexFormat;
import java.util.Map;
import java.util.Objects;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.stream.Collectors;

/**
 * Identifies one cached answer: a route and its normalised, allow-listed parameters. Two requests
 * have the same key exactly when they send the same upstream request; build keys with {@link
 * Route#key}, which normalises.
 *
 * @param namespace the key prefix shared by everything one deployment stores
 * @param route the route's name
 * @param params normalised parameter values by name, sorted by name
 */
public record CacheKey(String namespace, String route, SortedMap<String, String> params) {
  /** Bumped whenever the key layout or the stored entry format changes. */
  public static final String FORMAT_VERSION = "v1";

  /** Encoded values longer than this are replaced by their SHA-256 to keep keys short. */
  static final int MAX_READABLE_VALUE_LENGTH = 64;

  public CacheKey {
    Objects.requireNonNull(namespace, "namespace");
    Objects.requireNonNull(route, "route");
    params = Collections.unmodifiableSortedMap(new TreeMap<>(params));
  }

  /**
   * The Redis key, e.g. {@code cachegate:v1:universities:country=germany}. Values are form-encoded,
   * so {@code &}, {@code =} and {@code :} inside a value cannot be confused with the separators; an
   * encoded value over 64 characters becomes {@code sha256:<hex>}, which no encoded value can look
   * like because form encoding escapes {@code :}.
   */
  public String redisKey() {
    return prefix()
        + params.entrySet().stream()
            .map(e -> e.getKey() + "=" + readable(encode(e.getValue())))
            .collect(Collectors.joining("&"));
  }

  /** The prefix every key of this route starts with, for scans and purges of a whole route. */
  public String prefix() {
    return namespace + ":" + FORMAT_VERSION + ":" + route + ":";
  }

  /** The upstream query string, built only from the normalised parameters, never hashed. */
  public String upstreamQuery() {
    return params.entrySet().stream()
        .map(e -> e.getKey() + "=" + encode(e.getValue()))
        .collect(Collectors.joining("&"));
  }

  /** The normalised parameters, as a map sorted by name. */
  public Map<String, String> parameters() {
    return params;
  }

  @Override
  public String toString() {
    return redisKey();
  }

  private static String encode(String value) {
    return URLEncoder.encode(value, StandardCharsets.UTF_8);
  }

  private static String readable(String encoded) {
    if (encoded.length() <= MAX_READABLE_VALUE_LENGTH) {
      return encoded;
    }
    try {
      byte[] digest =
          MessageDigest.getInstance("SHA-256").digest(encoded.getBytes(StandardCharsets.UTF_8));
      return "sha256:" + HexFormat.of().formatHex(digest);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JDK provides SHA-256", e);
    }
  }
}
