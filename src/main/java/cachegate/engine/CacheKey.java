package cachegate.engine;

import java.net.URLDecoder;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Collections;
import java.util.HexFormat;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * Identifies one cached answer: a route and its normalised, allow-listed parameters. Two requests
 * have the same key exactly when they send the same upstream request; build keys with {@link
 * Route#key}, which normalises. Owns the Redis key format, writing it ({@link #redisKey()}) and
 * reading it back ({@link #parse}). Immutable; equal keys have equal {@link #redisKey()}s, which is
 * computed once.
 */
public final class CacheKey {
  /** Bumped whenever the key layout or the stored entry format changes. */
  public static final String FORMAT_VERSION = "v2";

  /** Encoded values longer than this are replaced by their SHA-256 to keep keys short. */
  static final int MAX_READABLE_VALUE_LENGTH = 64;

  /** What such a value becomes; form encoding escapes {@code :}, so no encoded value looks so. */
  private static final Pattern HASHED = Pattern.compile("sha256:[0-9a-f]{64}");

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
    this(
        Objects.requireNonNull(namespace, "namespace"),
        Objects.requireNonNull(route, "route"),
        new TreeMap<>(params),
        false);
  }

  private CacheKey(
      String namespace, String route, SortedMap<String, String> params, boolean hashesKept) {
    this.namespace = namespace;
    this.route = route;
    this.params = Collections.unmodifiableSortedMap(params);
    this.redisKey = write(namespace, route, params, hashesKept);
  }

  /**
   * The key whose {@link #redisKey()} is {@code redisKey}, if it is one: {@code
   * <namespace>:v2:{<route>:<name>=<value>&...}} exactly as this class writes it. {@code
   * parse(key.redisKey())} equals {@code key}; a value too long to keep readable comes back as the
   * {@code sha256:<hex>} that the key holds in its place. Empty for anything else: another format
   * version, a lease key, a key whose braces or separators were lost on the way (a shell that
   * expanded them, say), or one written in any other way.
   */
  public static Optional<CacheKey> parse(String redisKey) {
    // Route names, encoded names and encoded values cannot hold ":v2:{"; only a namespace could.
    String opening = prefix("") + "{";
    int at = redisKey.lastIndexOf(opening);
    if (at < 0 || !redisKey.endsWith("}")) {
      return Optional.empty();
    }
    String routeAndParams = redisKey.substring(at + opening.length(), redisKey.length() - 1);
    int colon = routeAndParams.indexOf(':');
    if (colon <= 0) {
      return Optional.empty();
    }
    SortedMap<String, String> params = new TreeMap<>();
    String pairs = routeAndParams.substring(colon + 1);
    for (String pair : pairs.isEmpty() ? new String[0] : pairs.split("&", -1)) {
      int equals = pair.indexOf('=');
      if (equals <= 0) {
        return Optional.empty();
      }
      String value = pair.substring(equals + 1);
      try {
        params.put(
            URLDecoder.decode(pair.substring(0, equals), StandardCharsets.UTF_8),
            HASHED.matcher(value).matches()
                ? value
                : URLDecoder.decode(value, StandardCharsets.UTF_8));
      } catch (IllegalArgumentException malformedEscape) {
        return Optional.empty();
      }
    }
    CacheKey key =
        new CacheKey(redisKey.substring(0, at), routeAndParams.substring(0, colon), params, true);
    // Written back, anything this class would have written otherwise (pairs out of order or
    // repeated, needless escapes) differs: it names no key that can exist.
    return key.redisKey.equals(redisKey) ? Optional.of(key) : Optional.empty();
  }

  public String namespace() {
    return namespace;
  }

  public String route() {
    return route;
  }

  /**
   * The normalised parameters, sorted by name; for a {@linkplain #parse parsed} key, a value too
   * long to keep readable is its {@code sha256:<hex>}.
   */
  public SortedMap<String, String> params() {
    return params;
  }

  /**
   * The Redis key, e.g. {@code cachegate:v2:{universities:country=germany}}. Names and values are
   * form-encoded, so {@code &}, {@code =}, {@code :} and braces inside them cannot be confused with
   * the separators; an encoded value over 64 characters becomes {@code sha256:<hex>}, which no
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
    return prefix(namespace) + "lease:" + redisKey.substring(prefix(namespace).length());
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

  /**
   * The prefix of everything one deployment stores in this format version, e.g. {@code
   * cachegate:v2:}: entries, leases, and the channel on which evictions are announced.
   */
  public static String prefix(String namespace) {
    return namespace + ":" + FORMAT_VERSION + ":";
  }

  /**
   * The prefix of every entry under {@code namespace}, of all routes; leases and rate budgets,
   * under the same {@link #prefix(String)}, do not start with it.
   */
  public static String entriesPrefix(String namespace) {
    return prefix(namespace) + "{";
  }

  /** The prefix of every key of {@code route} under {@code namespace}; see {@link #prefix()}. */
  public static String prefix(String namespace, String route) {
    return prefix(namespace) + "{" + route + ":";
  }

  /**
   * Writes a key. With {@code hashesKept} (a parsed key), a value that is already a hash stays as
   * it is; a key built from a request never does that, so that no value given can pose as the hash
   * of another.
   */
  private static String write(
      String namespace, String route, SortedMap<String, String> params, boolean hashesKept) {
    // Built on every request (a hit too): one builder, no streams.
    StringBuilder key = new StringBuilder(64).append(prefix(namespace, route));
    String separator = "";
    for (Map.Entry<String, String> param : params.entrySet()) {
      String value = param.getValue();
      key.append(separator)
          .append(encode(param.getKey()))
          .append('=')
          .append(hashesKept && HASHED.matcher(value).matches() ? value : readable(encode(value)));
      separator = "&";
    }
    return key.append('}').toString();
  }

  /** Form encoding; a string of only characters it keeps as they are is returned itself. */
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
