package cachegate.config;

import cachegate.engine.CachePolicy;
import cachegate.engine.Route;
import cachegate.engine.Route.Param;
import cachegate.engine.Route.ParamType;
import cachegate.engine.UrlTemplate;
import java.io.StringReader;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.error.MarkedYAMLException;
import org.yaml.snakeyaml.error.YAMLException;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.NodeTuple;
import org.yaml.snakeyaml.nodes.ScalarNode;
import org.yaml.snakeyaml.nodes.SequenceNode;

/**
 * Reads the routes file named by {@code CACHEGATE_ROUTES}: YAML with a {@code routes} list, each
 * route with its path, upstream URL template, parameters and cache settings (README, "Routes
 * file"). The YAML is composed into nodes and read field by field, never turned into objects by the
 * YAML library, so the file can name no Java type. Every problem is a {@link ConfigException}
 * naming the file, the line and what is wrong; unknown fields are problems too, so a misspelt
 * {@code tll} cannot pass unnoticed. Pure: the caller reads the file.
 *
 * <p>How a route calls its upstream (its {@code upstream*} fields, credentials included) is read by
 * {@link RouteCalls}; a variable or file a credential names that is missing stops the start naming
 * it.
 *
 * <p>Longer than most classes because it is the file's format: one short reader per field, each
 * naming its line, read top to bottom.
 */
final class RoutesFile {
  private static final Set<String> ROUTE_FIELDS =
      Set.of(
          "name",
          "path",
          "upstream",
          "params",
          "requireOneOf",
          "ttl",
          "staleWhileRevalidate",
          "staleIfError",
          "cacheStatuses",
          "maxEntryBytes",
          "ttlFrom",
          "maxTtl",
          "upstreamTimeout",
          "upstreamConcurrency",
          "upstreamQueue",
          "upstreamKeepAlive",
          "upstreamHeaders",
          "upstreamQuery",
          "upstreamTlsCa",
          "upstreamEncoding",
          "upstreamPrivate",
          "unknownParams",
          "upstreamRateLimit",
          "varyHeaders",
          "forwardHeaders");
  private static final Set<String> PARAM_FIELDS =
      Set.of("type", "lowercase", "maxLength", "required", "default", "min", "max");

  /** Paths cachegate serves itself. */
  static final Set<String> RESERVED_PATHS = Set.of("/health", "/ready", "/metrics", "/admin");

  private final String source;
  private final YamlFields yaml;
  private final CachePolicy policyDefaults;
  private final Consumer<String> warnings;
  private final RouteCalls upstreamCalls;
  private final ClientHeaders clientHeaders;

  private RoutesFile(
      String source,
      CachePolicy policyDefaults,
      UpstreamConfig upstreamDefaults,
      Consumer<String> warnings,
      SecretSources secrets) {
    this.source = source;
    this.yaml = new YamlFields(source, warnings);
    this.policyDefaults = policyDefaults;
    this.warnings = warnings;
    this.upstreamCalls = new RouteCalls(yaml, upstreamDefaults, secrets);
    this.clientHeaders = new ClientHeaders(yaml);
  }

  /**
   * The routes in {@code text}; settings a route leaves out come from the defaults.
   *
   * @param source the file's name, for messages
   */
  static List<RouteConfig> parse(
      String source, String text, CachePolicy policyDefaults, UpstreamConfig upstreamDefaults) {
    return parse(source, text, policyDefaults, upstreamDefaults, warning -> {});
  }

  /**
   * As above, passing {@code warnings} what is allowed but looks wrong (a duration far longer than
   * makes sense for its field), naming the file and line.
   */
  public static List<RouteConfig> parse(
      String source,
      String text,
      CachePolicy policyDefaults,
      UpstreamConfig upstreamDefaults,
      Consumer<String> warnings) {
    return parse(source, text, policyDefaults, upstreamDefaults, warnings, SecretSources.none());
  }

  /**
   * As above, filling {@code ${env:NAME}} and {@code ${file:PATH}} in {@code upstreamHeaders} and
   * {@code upstreamQuery} from {@code secrets}.
   */
  static List<RouteConfig> parse(
      String source,
      String text,
      CachePolicy policyDefaults,
      UpstreamConfig upstreamDefaults,
      Consumer<String> warnings,
      SecretSources secrets) {
    return new RoutesFile(source, policyDefaults, upstreamDefaults, warnings, secrets).parse(text);
  }

  private List<RouteConfig> parse(String text) {
    Node document;
    try {
      LoaderOptions options = new LoaderOptions();
      options.setMaxAliasesForCollections(20);
      options.setAllowRecursiveKeys(false);
      document = new Yaml(options).compose(new StringReader(text));
    } catch (MarkedYAMLException e) {
      throw new ConfigException(
          "%s line %d: not valid YAML: %s"
              .formatted(source, e.getProblemMark().getLine() + 1, e.getProblem()));
    } catch (YAMLException e) {
      throw new ConfigException(source + ": not valid YAML: " + e.getMessage());
    }
    if (document == null) {
      throw new ConfigException(source + ": the file is empty; it must list 'routes'");
    }
    Map<String, Node> top = yaml.mapping(document, "the file", Set.of("routes"));
    Node routes = top.get("routes");
    if (routes == null) {
      throw yaml.problem(document, "the file must have a 'routes' list");
    }
    if (!(routes instanceof SequenceNode list) || list.getValue().isEmpty()) {
      throw yaml.problem(routes, "'routes' must be a list of at least one route");
    }
    List<RouteConfig> parsed = new ArrayList<>();
    Set<String> names = new HashSet<>();
    Set<String> paths = new HashSet<>();
    for (Node node : list.getValue()) {
      RouteConfig route = route(node);
      if (!names.add(route.route().name())) {
        throw yaml.problem(node, "two routes are named '" + route.route().name() + "'");
      }
      if (!paths.add(route.route().path())) {
        throw yaml.problem(node, "two routes serve the path " + route.route().path());
      }
      parsed.add(route);
    }
    return List.copyOf(parsed);
  }

  private RouteConfig route(Node node) {
    Map<String, Node> fields =
        yaml.mapping(
            node, nameOf(node).map(n -> "route '" + n + "'").orElse("a route"), ROUTE_FIELDS);
    String name = requiredText(node, fields, "name");
    String what = "route '" + name + "'";
    String path = requiredText(node, fields, "path");
    if (RESERVED_PATHS.stream().anyMatch(p -> path.equals(p) || path.startsWith(p + "/"))) {
      throw yaml.problem(fields.get("path"), what + ": path " + path + " is cachegate's own");
    }
    Node upstreamNode = fields.get("upstream");
    UrlTemplate upstream;
    String upstreamText = requiredText(node, fields, "upstream");
    if (upstreamText.contains("${")) {
      throw yaml.problem(
          upstreamNode,
          what
              + ": the upstream URL is used as written; put a key from a variable or a file in"
              + " upstreamQuery or upstreamHeaders");
    }
    try {
      upstream = UrlTemplate.parse(upstreamText);
    } catch (IllegalArgumentException e) {
      throw yaml.problem(upstreamNode, what + ": " + e.getMessage());
    }
    List<Param> params = new ArrayList<>();
    Node paramsNode = fields.get("params");
    if (paramsNode != null) {
      for (Map.Entry<String, Node> param :
          yaml.mapping(paramsNode, what + ": params", Set.of()).entrySet()) {
        params.add(param(what, param.getKey(), param.getValue()));
      }
    }
    Set<String> requireOneOf = new HashSet<>();
    Node oneOf = fields.get("requireOneOf");
    if (oneOf != null) {
      if (!(oneOf instanceof SequenceNode names) || names.getValue().isEmpty()) {
        throw yaml.problem(oneOf, what + ": requireOneOf must be a list of parameter names");
      }
      names.getValue().forEach(n -> requireOneOf.add(yaml.scalar(n, what + ": requireOneOf")));
    }
    ClientHeaders.Named headers = clientHeaders.read(fields, what);
    Route route;
    try {
      route =
          new Route(
              name,
              path,
              upstream,
              params,
              requireOneOf,
              unknownParams(fields, what),
              List.copyOf(headers.vary().keySet()),
              headers.forward().keySet());
    } catch (IllegalArgumentException e) {
      throw yaml.problem(node, what + ": " + e.getMessage());
    }
    if (params.isEmpty()) {
      warnings.accept(
          yaml.where(node)
              + what
              + " has no params: every request to "
              + path
              + " shares one cache entry"
              + (route.unknownParams() == Route.UnknownParams.REJECT
                  ? " (a request with a parameter is refused)"
                  : " whatever its parameters"));
    }
    CachePolicy policy =
        new CachePolicy(
            yaml.duration(fields, "ttl", what, policyDefaults.ttl(), Durations.Range.POSITIVE),
            yaml.duration(
                fields,
                "staleWhileRevalidate",
                what,
                policyDefaults.staleWhileRevalidate(),
                Durations.Range.NOT_NEGATIVE),
            yaml.duration(
                fields,
                "staleIfError",
                what,
                policyDefaults.staleIfError(),
                Durations.Range.NOT_NEGATIVE),
            policyDefaults.ttlJitter(),
            yaml.number(
                fields, "maxEntryBytes", what, policyDefaults.maxEntryBytes(), 1, Long.MAX_VALUE),
            statusTtls(fields, what),
            yaml.word(fields, "ttlFrom", what, policyDefaults.ttlFrom(), CachePolicy.TtlFrom.class),
            yaml.duration(
                fields, "maxTtl", what, policyDefaults.maxTtl(), Durations.Range.POSITIVE),
            // No variable sets it for every route: a route without it keeps to RFC 9111.
            yaml.word(
                fields,
                "upstreamPrivate",
                what,
                CachePolicy.DEFAULT_UPSTREAM_PRIVATE,
                CachePolicy.UpstreamPrivate.class));
    UpstreamConfig calls = upstreamCalls.read(fields, what, route);
    clientHeaders.checkNotSentBy(calls, headers, what);
    return new RouteConfig(route, policy, calls);
  }

  /**
   * {@code cacheStatuses}: a mapping of 4xx statuses to their TTLs ({@code {404: 60s, 410: 1h}};
   * {@code {}} caches none); without it, {@code CACHE_STATUSES}.
   */
  private Map<Integer, Duration> statusTtls(Map<String, Node> fields, String what) {
    Node node = fields.get("cacheStatuses");
    if (node == null) {
      return policyDefaults.statusTtls();
    }
    Map<Integer, Duration> ttls = new LinkedHashMap<>();
    for (Map.Entry<String, Node> status :
        yaml.mapping(node, what + ": cacheStatuses", Set.of()).entrySet()) {
      try {
        StatusTtls.put(
            ttls, status.getKey(), yaml.scalar(status.getValue(), what + ": cacheStatuses"));
      } catch (IllegalArgumentException e) {
        throw yaml.problem(status.getValue(), what + ": cacheStatuses: " + e.getMessage());
      }
    }
    return ttls;
  }

  private Route.UnknownParams unknownParams(Map<String, Node> fields, String what) {
    Node node = fields.get("unknownParams");
    if (node == null) {
      return Route.UnknownParams.REJECT;
    }
    String value = yaml.scalar(node, what + ": unknownParams");
    return switch (value) {
      case "reject" -> Route.UnknownParams.REJECT;
      case "ignore" -> Route.UnknownParams.IGNORE;
      default ->
          throw yaml.problem(
              node, what + ": unknownParams must be reject or ignore, was '" + value + "'");
    };
  }

  private Param param(String route, String name, Node node) {
    String what = route + ": parameter '" + name + "'";
    if (node instanceof ScalarNode) {
      throw yaml.problem(node, what + " must be a mapping of settings ({} for the defaults)");
    }
    Map<String, Node> fields = yaml.mapping(node, what, PARAM_FIELDS);
    String typeName =
        fields.containsKey("type") ? yaml.scalar(fields.get("type"), what + ": type") : "string";
    ParamType type;
    try {
      type = ParamType.valueOf(typeName.toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw yaml.problem(
          fields.get("type"),
          what + ": type must be string, integer or number, was '" + typeName + "'");
    }
    boolean lowercase = yaml.bool(fields, "lowercase", what);
    if (lowercase && type != ParamType.STRING) {
      throw yaml.problem(fields.get("lowercase"), what + ": lowercase applies to strings only");
    }
    if (type != ParamType.INTEGER) {
      for (String bound : List.of("min", "max")) {
        if (fields.containsKey(bound)) {
          throw yaml.problem(fields.get(bound), what + ": " + bound + " applies to integers only");
        }
      }
    }
    try {
      return new Param(
          name,
          type,
          lowercase,
          (int) yaml.number(fields, "maxLength", what, Routes.MAX_VALUE_LENGTH, 1, 8192),
          yaml.bool(fields, "required", what),
          fields.containsKey("default")
              ? yaml.scalar(fields.get("default"), what + ": default")
              : "",
          yaml.number(fields, "min", what, Long.MIN_VALUE, Long.MIN_VALUE, Long.MAX_VALUE),
          yaml.number(fields, "max", what, Long.MAX_VALUE, Long.MIN_VALUE, Long.MAX_VALUE));
    } catch (RuntimeException e) {
      throw yaml.problem(node, what + ": " + e.getMessage());
    }
  }

  /** The route's name, when it has one, so that messages about its other fields can name it. */
  private static Optional<String> nameOf(Node node) {
    if (node instanceof MappingNode mapping) {
      for (NodeTuple tuple : mapping.getValue()) {
        if (tuple.getKeyNode() instanceof ScalarNode key
            && "name".equals(key.getValue())
            && tuple.getValueNode() instanceof ScalarNode value
            && !value.getValue().isBlank()) {
          return Optional.of(value.getValue().strip());
        }
      }
    }
    return Optional.empty();
  }

  private String requiredText(Node owner, Map<String, Node> fields, String field) {
    Node node = fields.get(field);
    if (node == null) {
      throw yaml.problem(owner, "a route must have '" + field + "'");
    }
    return yaml.scalar(node, "'" + field + "'");
  }
}
