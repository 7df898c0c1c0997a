package cachegate.config;

import cachegate.engine.Route;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.ScalarNode;

/**
 * How one route of a {@link RoutesFile} calls its upstream: its {@code upstream*} fields (timeout,
 * concurrency, queue, keep-alive, headers and query parameters added to every request, the TLS
 * authorities, the rate limit, the encoding asked for) over the defaults from the environment.
 * Header and parameter values may read {@code ${env:NAME}} and {@code ${file:/path}} ({@link
 * SecretSources}); such values, those marked {@code secret: true} and those named like credentials
 * are secret ({@link UpstreamField}). Fields are read, and problems named with the file and line,
 * through the file's {@link YamlFields}.
 */
final class RouteCalls {
  private static final Set<String> FIELD_SETTINGS = Set.of("value", "secret");

  /**
   * Headers cachegate sets itself, or that would change what the answer is: a route may not set
   * them. (Proxy credentials come from {@code HTTPS_PROXY}.)
   */
  static final Set<String> RESERVED_HEADERS =
      Set.of(
          "host",
          "content-length",
          "transfer-encoding",
          "connection",
          "keep-alive",
          "upgrade",
          "te",
          "trailer",
          "accept-encoding",
          "range",
          "if-none-match",
          "if-modified-since",
          "if-match",
          "if-unmodified-since",
          "if-range",
          "proxy-authorization");

  private static final java.util.regex.Pattern HEADER_NAME =
      java.util.regex.Pattern.compile("[!#$%&'*+.^_`|~0-9A-Za-z-]+");

  private final YamlFields file;
  private final UpstreamConfig defaults;
  private final SecretSources secrets;

  RouteCalls(YamlFields file, UpstreamConfig defaults, SecretSources secrets) {
    this.file = file;
    this.defaults = defaults;
    this.secrets = secrets;
  }

  /** The call settings of {@code route}, whose fields are {@code fields}. */
  UpstreamConfig read(Map<String, Node> fields, String what, Route route) {
    UpstreamConfig calls =
        new UpstreamConfig(
            file.duration(
                fields, "upstreamTimeout", what, defaults.timeout(), Durations.Range.POSITIVE),
            (int)
                file.number(
                    fields, "upstreamConcurrency", what, defaults.maxConcurrency(), 1, 10_000),
            (int) file.number(fields, "upstreamQueue", what, defaults.maxQueue(), 0, 100_000),
            file.duration(
                fields,
                "upstreamKeepAlive",
                what,
                defaults.keepAlive(),
                Durations.Range.WHOLE_SECONDS));
    calls =
        calls
            .withFields(headers(fields, what), query(fields, what, route))
            .withTlsCaFile(defaults.tlsCaFile())
            .withProxy(defaults.proxy())
            .withEncoding(
                file.word(
                    fields,
                    "upstreamEncoding",
                    what,
                    defaults.encoding(),
                    UpstreamConfig.Encoding.class));
    Node tlsCa = fields.get("upstreamTlsCa");
    if (tlsCa != null) {
      String pem = file.scalar(tlsCa, what + ": upstreamTlsCa");
      if (!Files.isReadable(Path.of(pem))) {
        throw file.problem(
            tlsCa, what + ": upstreamTlsCa must be a readable PEM file, was '" + pem + "'");
      }
      calls = calls.withTlsCaFile(pem);
    }
    Node rateNode = fields.get("upstreamRateLimit");
    if (rateNode != null) {
      String rate = file.scalar(rateNode, what + ": upstreamRateLimit");
      try {
        calls = calls.withRateLimit(RateLimits.parse("upstreamRateLimit", rate));
      } catch (ConfigException e) {
        throw file.problem(rateNode, what + ": " + e.getMessage());
      }
    }
    return calls;
  }

  /** The default headers, with the route's added or put in their place (names ignore case). */
  private List<UpstreamField> headers(Map<String, Node> fields, String what) {
    List<UpstreamField> headers = new ArrayList<>(defaults.headers());
    Node node = fields.get("upstreamHeaders");
    if (node == null) {
      return headers;
    }
    for (Map.Entry<String, Node> header :
        file.mapping(node, what + ": upstreamHeaders", Set.of()).entrySet()) {
      String name = header.getKey();
      String about = what + ": upstreamHeaders '" + name + "'";
      if (!HEADER_NAME.matcher(name).matches()) {
        throw file.problem(header.getValue(), about + " is not a valid header name");
      }
      if (RESERVED_HEADERS.contains(name.toLowerCase(Locale.ROOT))) {
        throw file.problem(header.getValue(), about + ": cachegate sets this header itself");
      }
      headers.removeIf(h -> h.isNamed(name));
      headers.add(field(name, header.getValue(), about));
    }
    return headers;
  }

  private List<UpstreamField> query(Map<String, Node> fields, String what, Route route) {
    Node node = fields.get("upstreamQuery");
    if (node == null) {
      return List.of();
    }
    List<UpstreamField> query = new ArrayList<>();
    for (Map.Entry<String, Node> param :
        file.mapping(node, what + ": upstreamQuery", Set.of()).entrySet()) {
      String name = param.getKey();
      String about = what + ": upstreamQuery '" + name + "'";
      if (route.params().stream().anyMatch(p -> p.name().equals(name))) {
        throw file.problem(
            param.getValue(), about + " is also a parameter of the route; it would be sent twice");
      }
      query.add(field(name, param.getValue(), about));
    }
    return query;
  }

  /**
   * A header or parameter: a value, or {@code {value: …, secret: true}}. It is secret when marked
   * so, when its value uses a variable or a file, or when its name reads like a credential.
   */
  private UpstreamField field(String name, Node node, String about) {
    Node valueNode = node;
    boolean marked = false;
    if (node instanceof MappingNode) {
      Map<String, Node> settings = file.mapping(node, about, FIELD_SETTINGS);
      valueNode = settings.get("value");
      if (valueNode == null) {
        throw file.problem(node, about + " must have a 'value'");
      }
      marked = file.bool(settings, "secret", about);
    }
    if (!(valueNode instanceof ScalarNode scalar) || scalar.getValue().isBlank()) {
      throw file.problem(valueNode, about + " must be a single non-blank value");
    }
    SecretSources.Resolved resolved =
        secrets.resolve(scalar.getValue().strip(), file.where(valueNode) + about);
    return new UpstreamField(
        name,
        resolved.value(),
        marked || resolved.secret() || UpstreamField.looksLikeCredential(name));
  }
}
