package cachegate.engine;

import java.net.URLDecoder;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Collections;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * Identifies one cached answer: a route, its normalised, allow-listed parameters and, for a route
 * that varies by request headers, its variant: the hashes of those headers' values. Two requests
 * have the same key exactly when they send the same upstream request; build keys with {@link
 * Route#key}, which normalises. Owns the Redis key format, writing it ({@link #redisKey()}) and
 * reading it back ({@link #parse}). Immutable; equal keys have equal {@link #redisKey()}s, which is
 * computed once.
 *
 * <p>A key built from a request also holds the raw values of the headers its route forwards to the
 * upstream ({@link #forwardedHeaders()}), in memory only: they are no part of the Redis key, {@link
 * #toString()}, equality or anything shown. Equal keys hold equal values, up to a collision of
 * 128-bit hashes.
 */
public final class CacheKey {
  /** Bumped whenever the key layout or the stored entry format changes. */
  public static final String FORMAT_VERSION = "v2";

  /** Encoded values longer than this are replaced by their SHA-256 to keep keys short. */
  static final int MAX_READABLE_VALUE_LENGTH = 64;

  /** What such a value becomes; form encoding escapes {@code :}, so no encoded value looks so. */
  private static final Pattern HASHED = Pattern.compile("sha256:[0-9a-f]{64}");

  /**
   * Where a key's variant begins; form encoding escapes {@code |}, so no parameter holds one, and
   * header names the key varies by are letters, digits, {@code -} and {@code _}.
   */
  private static final char VARIANT = '|';

  /** What a header the request did not send stands as in a variant; no hash looks so. */
  public static final String MISSING_HEADER = "-";

  /** Hex digits of a header value's hash in a variant: the first 128 bits of its SHA-256. */
  private static final int HEADER_HASH_HEX = 32;

  private static final Pattern VARIANT_NAME = Pattern.compile("[a-z0-9_-]+");
  private static final Pattern VARIANT_VALUE =
      Pattern.compile("[0-9a-f]{" + HEADER_HASH_HEX + "}|" + MISSING_HEADER);

  private final String namespace;
  private final String route;
  private final SortedMap<String, String> params;
  private final SortedMap<String, String> variant;
  private final Map<String, String> forwarded;
  private final String redisKey;

  /**
   * A key that varies by no header.
   *
   * @param namespace the key prefix shared by everything one deployment stores
   * @param route the route's name
   * @param params normalised parameter values by name
   */
  public CacheKey(String namespace, String route, Map<String, String> params) {
    this(namespace, route, params, List.of(), Map.of(), Set.of());
  }

  /**
   * A key that varies by request headers: each of {@code varyHeaders} becomes part of it as a hash
   * of its value, or as {@value #MISSING_HEADER} when the request did not send it (so a missing
   * header and an empty one are two variants).
   *
   * @param varyHeaders the lower-case names of the headers the route varies by
   * @param headers the raw value of each of those the request sent, by lower-case name
   * @param forwardHeaders those of {@code varyHeaders} whose raw values the upstream is sent
   */
  public CacheKey(
      String namespace,
      String route,
      Map<String, String> params,
      List<String> varyHeaders,
      Map<String, String> headers,
      Set<String> forwardHeaders) {
    Objects.requireNonNull(namespace, "namespace");
    Objects.requireNonNull(route, "route");
    SortedMap<String, String> hashed = new TreeMap<>();
    Map<String, String> sent = new TreeMap<>();
    for (String name : varyHeaders) {
      if (!VARIANT_NAME.matcher(name).matches()) {
        throw new IllegalArgumentException("a key cannot vary by header '" + name + "'");
      }
      String value = headers.get(name);
      hashed.put(name, value == null ? MISSING_HEADER : hash(name, value));
      if (value != null && forwardHeaders.contains(name)) {
        sent.put(name, value);
      }
    }
    if (!varyHeaders.containsAll(forwardHeaders)) {
      throw new IllegalArgumentException(
          "only headers the key varies by may be forwarded, not " + forwardHeaders);
    }
    this.namespace = namespace;
    this.route = route;
    this.params = Collections.unmodifiableSortedMap(new TreeMap<>(params));
    this.variant = Collections.unmodifiableSortedMap(hashed);
    this.forwarded = Collections.unmodifiableMap(sent);
    this.redisKey = write(namespace, route, this.params, this.variant, false);
  }

  /** A parsed key: its variant as the key holds it, no raw header values. */
  private CacheKey(
      String namespace,
      String route,
      SortedMap<String, String> params,
      SortedMap<String, String> variant) {
    this.namespace = namespace;
    this.route = route;
    this.params = Collections.unmodifiableSortedMap(params);
    this.variant = Collections.unmodifiableSortedMap(variant);
    this.forwarded = Map.of();
    this.redisKey = write(namespace, route, params, variant, true);
  }

  /**
   * The key whose {@link #redisKey()} is {@code redisKey}, if it is one: {@code
   * <namespace>:v2:{<route>:<name>=<value>&...}} exactly as this class writes it. {@code
   * parse(key.redisKey())} equals {@code key}; a value too long to keep readable comes back as the
   * {@code sha256:<hex>} that the key holds in its place, and a variant as its hashes (the parsed
   * key holds no {@linkplain #forwardedHeaders() raw header values}). Empty for anything else:
   * another format version, a lease key, a key whose braces or separators were lost on the way (a
   * shell that expanded them, say), or one written in any other way.
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
    SortedMap<String, String> variant = new TreeMap<>();
    String pairs = routeAndParams.substring(colon + 1);
    int bar = pairs.indexOf(VARIANT);
    if (bar >= 0) {
      for (String pair : pairs.substring(bar + 1).split("&", -1)) {
        int equals = pair.indexOf('=');
        if (equals <= 0
            || !VARIANT_NAME.matcher(pair.substring(0, equals)).matches()
            || !VARIANT_VALUE.matcher(pair.substring(equals + 1)).matches()) {
          return Optional.empty();
        }
        variant.put(pair.substring(0, equals), pair.substring(equals + 1));
      }
      pairs = pairs.substring(0, bar);
    }
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
        new CacheKey(
            redisKey.substring(0, at), routeAndParams.substring(0, colon), params, variant);
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
   * The variant: for each header the route varies by (lower-case name), the first 128 bits of the
   * SHA-256 of its name and value in hex, or {@value #MISSING_HEADER} when the request did not send
   * it. Empty for a route that varies by no header.
   */
  public SortedMap<String, String> variant() {
    return variant;
  }

  /**
   * The raw values of the headers the route forwards that the request sent, by lower-case name, for
   * the upstream request only: never written to a store, a log or an answer. Empty for a
   * {@linkplain #parse parsed} key.
   */
  public Map<String, String> forwardedHeaders() {
    return forwarded;
  }

  /**
   * The prefix every variant of this key's parameters starts with, e.g. {@code
   * cachegate:v2:{user:id=7|}, for purging them all; the key itself when it varies by no header.
   */
  public String variantsPrefix() {
    int bar = redisKey.lastIndexOf(VARIANT);
    return variant.isEmpty() ? redisKey : redisKey.substring(0, bar + 1);
  }

  /**
   * The Redis key, e.g. {@code cachegate:v2:{universities:country=germany}}. Names and values are
   * form-encoded, so {@code &}, {@code =}, {@code :} and braces inside them cannot be confused with
   * the separators; an encoded value over 64 characters becomes {@code sha256:<hex>}, which no
   * encoded value can look like because form encoding escapes {@code :}. The braces are a Redis
   * Cluster hash tag: the entry and its {@link #leaseKey()} hash to the same slot, while different
   * keys of one route spread over the cluster. A variant follows the parameters after {@code |}:
   * {@code cachegate:v2:{user:id=7|authorization=<32 hex>&x-tenant=-}}.
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
      String namespace,
      String route,
      SortedMap<String, String> params,
      SortedMap<String, String> variant,
      boolean hashesKept) {
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
    separator = String.valueOf(VARIANT);
    for (Map.Entry<String, String> header : variant.entrySet()) {
      key.append(separator).append(header.getKey()).append('=').append(header.getValue());
      separator = "&";
    }
    return key.append('}').toString();
  }

  /**
   * A header value as a variant holds it: SHA-256 over the name and the value, so that no value is
   * stored or shown (an {@code Authorization} value included) and equal values of two headers do
   * not look alike, truncated to 128 bits, which keeps keys short and makes a collision between two
   * clients' values as unlikely as guessing a 128-bit secret. Unsalted: a low-entropy value (a
   * short password, a language tag) can be guessed by whoever reads the keys, as from any hash.
   */
  private static String hash(String name, String value) {
    return HexFormat.of().formatHex(sha256(name + ":" + value), 0, HEADER_HASH_HEX / 2);
  }

  private static byte[] sha256(String text) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JDK provides SHA-256", e);
    }
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
    return "sha256:" + HexFormat.of().formatHex(sha256(encoded));
  }
}
