package cachegate.http;

import cachegate.engine.CacheKey;
import cachegate.engine.InvalidRequestException;
import io.vertx.ext.web.RoutingContext;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * What an admin request names, read from its query string as strictly as a request's: a route, by
 * its name or as the only one, and an entry, by its key ({@code ?key=}) or by its route's
 * parameters, normalised exactly as a request's are. What names nothing is refused with {@link
 * InvalidRequestException} (400) or {@link NotFoundException} (404). Immutable.
 */
final class AdminQuery {
  private final Map<String, ServedRoute> routes = new LinkedHashMap<>();
  private final String namespace;

  AdminQuery(List<ServedRoute> routes, String namespace) {
    routes.forEach(served -> this.routes.put(served.route().name(), served));
    this.namespace = namespace;
  }

  /** The query string of {@code context}, every name with the values given for it. */
  static Map<String, List<String>> of(RoutingContext context) {
    return QueryString.parse(Objects.requireNonNullElse(context.request().query(), ""));
  }

  /** The value of {@code name}, if it is given; refused when it is given more than once. */
  static Optional<String> single(Map<String, List<String>> query, String name) {
    List<String> values = query.getOrDefault(name, List.of());
    if (values.size() > 1) {
      throw new InvalidRequestException("parameter '" + name + "' must be given at most once");
    }
    return values.stream().findFirst();
  }

  /** The routes served, in the order configured. */
  List<ServedRoute> routes() {
    return List.copyOf(routes.values());
  }

  /** The route called {@code name}, if it is served. */
  Optional<ServedRoute> served(String name) {
    return Optional.ofNullable(routes.get(name));
  }

  /** The route called {@code name}. */
  ServedRoute route(String name) {
    return served(name).orElseThrow(() -> new NotFoundException("no route " + name));
  }

  /** The route called {@code name}, or the only one when no name is given. */
  ServedRoute route(Optional<String> name) {
    if (name.isPresent()) {
      return route(name.get());
    }
    if (routes.size() != 1) {
      throw new InvalidRequestException(
          "name the route: one of " + String.join(", ", routes.keySet()));
    }
    return routes.values().iterator().next();
  }

  /**
   * The key of the entry {@code query} names: by {@code key}, or by a route's own parameters (the
   * route named by {@code route}, which may be left out when only one is served). A route that
   * varies by request headers keeps an entry per variant, so its parameters name no one entry:
   * refused, pointing at the listing's keys.
   */
  String key(Map<String, List<String>> query) {
    Optional<String> given = single(query, "key");
    if (given.isPresent()) {
      return checked(given.get());
    }
    CacheKey named = byParams(query);
    if (!named.variant().isEmpty()) {
      throw new InvalidRequestException(
          "route '"
              + named.route()
              + "' keeps an entry per value of its varyHeaders: name one by ?key=<key> (the"
              + " listing shows them), or purge them all by the route's parameters");
    }
    return named.redisKey();
  }

  /**
   * What a purge of {@code query} removes: for a route that varies by request headers named by its
   * parameters, the prefix of every variant of those parameters; empty when {@code query} names one
   * entry ({@link #key}).
   */
  Optional<String> variantsPrefix(Map<String, List<String>> query) {
    if (single(query, "key").isPresent()) {
      return Optional.empty();
    }
    CacheKey named = byParams(query);
    return named.variant().isEmpty() ? Optional.empty() : Optional.of(named.variantsPrefix());
  }

  private CacheKey byParams(Map<String, List<String>> query) {
    Map<String, List<String>> params = new HashMap<>(query);
    ServedRoute route = route(single(params, "route"));
    params.remove("route");
    try {
      return route.route().key(namespace, params);
    } catch (InvalidRequestException refused) {
      throw new InvalidRequestException(
          "give ?key=<key> or the route's parameters: " + refused.getMessage());
    }
  }

  /**
   * A key given whole: one that {@link CacheKey} could have written, under this namespace. A key
   * never holds a space (form encoding writes one as {@code +}), so a space in it is a {@code +}
   * that the query string's decoding turned into one, as it does with every {@code +} a client
   * sends unescaped ({@code curl -g}): it is read as the {@code +} it was.
   */
  private String checked(String given) {
    CacheKey key =
        CacheKey.parse(given.replace(' ', '+'))
            .orElseThrow(
                () ->
                    new InvalidRequestException(
                        "'"
                            + given
                            + "' is not a key: keys look like "
                            + CacheKey.prefix(namespace)
                            + "{<route>:<parameters>} (curl expands braces: use curl -g, which"
                            + " leaves them alone); or name the entry by its route's parameters, as"
                            + " a request does: "
                            + example()));
    if (!key.namespace().equals(namespace)) {
      throw new InvalidRequestException(
          "key must start with " + CacheKey.prefix(namespace) + ", was '" + given + "'");
    }
    return key.redisKey();
  }

  /** How to name an entry by its route's parameters, e.g. {@code ?route=universities&country=}. */
  private String example() {
    ServedRoute first = routes.values().iterator().next();
    return "?route="
        + first.route().name()
        + first.route().params().stream()
            .findFirst()
            .map(param -> "&" + param.name() + "=<value>")
            .orElse("");
  }
}
