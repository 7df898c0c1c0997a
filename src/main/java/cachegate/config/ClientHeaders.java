package cachegate.config;

import cachegate.engine.Route;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.SequenceNode;

/**
 * Reads which client headers a route of a {@link RoutesFile} varies its keys by ({@code
 * varyHeaders}) and sends on to its upstream ({@code forwardHeaders}), refusing, with the line, a
 * file whose entries could mix clients: a forwarded header must be varied, and may be none that
 * cachegate sets itself.
 */
final class ClientHeaders {
  private final YamlFields file;

  ClientHeaders(YamlFields file) {
    this.file = file;
  }

  /** The header names of both fields, each with its node. */
  record Named(Map<String, Node> vary, Map<String, Node> forward) {}

  Named read(Map<String, Node> fields, String what) {
    Map<String, Node> vary = headerNames(fields, "varyHeaders", what);
    Map<String, Node> forward = headerNames(fields, "forwardHeaders", what);
    for (Map.Entry<String, Node> header : forward.entrySet()) {
      if (vary.keySet().stream().noneMatch(header.getKey()::equalsIgnoreCase)) {
        throw file.problem(
            header.getValue(),
            what
                + ": forwardHeaders '"
                + header.getKey()
                + "' is not in varyHeaders: an entry built with one client's "
                + header.getKey()
                + " would be served to every client; add it to varyHeaders");
      }
      if (header.getKey().equalsIgnoreCase("accept")) {
        throw file.problem(
            header.getValue(), what + ": forwardHeaders 'Accept': cachegate sets it");
      }
    }
    return new Named(vary, forward);
  }

  /** Refuses a forwarded header that the route's own upstream settings also send. */
  void checkNotSentBy(UpstreamConfig calls, Named headers, String what) {
    for (Map.Entry<String, Node> header : headers.forward().entrySet()) {
      if (calls.headers().stream().anyMatch(h -> h.isNamed(header.getKey()))) {
        // The configured value would win (HttpUpstream): say so rather than drop it unseen.
        throw file.problem(
            header.getValue(),
            what
                + ": forwardHeaders '"
                + header.getKey()
                + "' is also sent by cachegate (upstreamHeaders, or its default User-Agent),"
                + " whose value would win; remove one");
      }
    }
  }

  /**
   * The header names a list field gives, each with its node: valid names, listed once (ignoring
   * case), none that cachegate sets itself, at most {@link Route#MAX_VARY_HEADERS}.
   */
  private Map<String, Node> headerNames(Map<String, Node> fields, String field, String what) {
    Node node = fields.get(field);
    Map<String, Node> names = new LinkedHashMap<>();
    if (node == null) {
      return names;
    }
    String about = what + ": " + field;
    if (!(node instanceof SequenceNode list) || list.getValue().isEmpty()) {
      throw file.problem(node, about + " must be a list of header names");
    }
    if (list.getValue().size() > Route.MAX_VARY_HEADERS) {
      throw file.problem(
          node,
          about
              + " may list at most "
              + Route.MAX_VARY_HEADERS
              + " headers, was "
              + list.getValue().size());
    }
    for (Node item : list.getValue()) {
      String header = file.scalar(item, about);
      if (!Route.HEADER_NAME.matcher(header).matches()) {
        throw file.problem(
            item, about + " '" + header + "' must be 1 to 64 letters, digits, '-' or '_'");
      }
      if (RouteCalls.RESERVED_HEADERS.contains(header.toLowerCase(Locale.ROOT))) {
        throw file.problem(item, about + " '" + header + "': cachegate handles this header itself");
      }
      if (names.keySet().stream().anyMatch(header::equalsIgnoreCase)) {
        throw file.problem(item, about + " lists '" + header + "' twice");
      }
      names.put(header, item);
    }
    return names;
  }
}
