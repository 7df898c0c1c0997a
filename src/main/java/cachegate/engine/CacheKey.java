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

/**
 * Identifies one cached answer: a route and its normalised, allow-listed parameters. Two requests
 * have the same key exactly when they send the same upstream request; build keys with {@link
 * Route#key}, which normalises. Immutable; equal keys have equal {@link #redisKey()}s, which is
 * computed once.
 */
public final class CacheKey {
  /** Bumped whenever the key layout or the stored entry format changes. */
  public static final String FORMAT_VERSION = "v2";

  /** Encoded values longer than this are replaced by their SHA-256 to keep keys short. */
  static final int MAX_READABLE_VALUE_LENGTH = 64;

  private final String namespace;
  private final String route;
  private final SortedMap<String, String> params;
  private final String redisKey;

  /**
   * @param namespace the key prefix shared by everything one deployment stores
   * @param route the route's name
   * @param params normalised parameter values by name
   */
  public CacheKey(String namespace, String route, Map<String, String> params) {
    this.namespace = Objects.requireNonNull(namespace, "namespace");
    this.route = Objects.requireNonNull(route, "route");
    this.params = Collections.unmodifiableSortedMap(new TreeMap<>(params));
    // Built on every request (a hit too): one builder, no streams.
    StringBuilder key = new StringBuilder(64).append(prefix(namespace, route));
    String separator = "";
    for (Map.Entry<String, String> param : this.params.entrySet()) {
      key.append(separator)
          .append(param.getKey())
          .append('=')
          .append(readable(encode(param.getValue())));
      separator = "&";
    }
    this.redisKey = key.append('}').toString();
  }

  public String namespace() {
    return namespace;
  }

  public String route() {
    return route;
  }

  /** The normalised parameters, sorted by name. */
  public SortedMap<String, String> params() {
    return params;
  }

  /**
   * The Redis key, e.g. {@code cachegate:v2:{universities:country=germany}}. Values are
   * form-encoded, so {@code &}, {@code =}, {@code :} and braces inside a value cannot be confused
   * with the separators; an encoded value over 64 characters becomes {@code sha256:<hex>}, which no
   * encoded value can look like because form encoding escapes {@code :}. The braces are a Redis
   * Cluster hash tag: the entry and its {@link #leaseKey()} hash to the same slot, while different
   * keys of one route spread over the cluster.
   */
  public String redisKey() {
    return redisKey;
  }

  /**
   * The prefix every key of this route starts with, e.g. {@code cachegate:v2:{universities:}, for
   * scans and purges of a whole route.
   */
  public String prefix() {
    return prefix(namespace, route);
  }

  /**
   * The key of the short lease an instance holds while it fetches this key, so that other instances
   * wait for its answer instead of calling the upstream too. Lease keys live apart from entries
   * ({@code <namespace>:v2:lease:{...}}), so scans of a route see only entries, and share the
   * entry's hash tag, so both live in one Redis Cluster slot.
   */
  public String leaseKey() {
    String routeAndParams = redisKey.substring(namespace.length() + FORMAT_VERSION.length() + 2);
    return namespace + ":" + FORMAT_VERSION + ":lease:" + routeAndParams;
  }

  @Override
  public boolean equals(Object other) {
    return other instanceof CacheKey that && redisKey.equals(that.redisKey);
  }

  @Override
  public int hashCode() {
    return redisKey.hashCode();
  }

  @Override
  public String toString() {
    return redisKey;
  }

  /** The prefix of every key of {@code route} under {@code namespace}; see {@link #prefix()}. */
  public static String prefix(String namespace, String route) {
    return namespace + ":" + FORMAT_VERSION + ":{" + route + ":";
  }

  /** Form encoding; a value of only characters it keeps as they are is returned itself. */
  private static String encode(String value) {
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      boolean kept =
          c >= 'a' && c <= 'z'
              || c >= 'A' && c <= 'Z'
              || c >= '0' && c <= '9'
              || c == '-'
              || c == '_'
              || c == '.'
              || c == '*';
      if (!kept) {
        return URLEncoder.encode(value, StandardCharsets.UTF_8);
      }
    }
    return value;
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
