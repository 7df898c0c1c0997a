package cachegate.config;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.NodeTuple;
import org.yaml.snakeyaml.nodes.ScalarNode;

/**
 * Typed fields of one YAML file's nodes: mappings, single values, booleans, bounded integers,
 * durations and enum words, each refused with a {@link ConfigException} that begins with the file
 * and line ({@link #where}). {@link RoutesFile}, {@link RouteCalls} and {@link ClientHeaders} read
 * the routes file through one of these.
 */
final class YamlFields {
  private final String source;
  private final Consumer<String> warnings;

  /**
   * @param source the file's name, for messages
   * @param warnings told of durations that are allowed but look wrong, naming the file and line
   */
  YamlFields(String source, Consumer<String> warnings) {
    this.source = source;
    this.warnings = warnings;
  }

  /**
   * The fields of a mapping by name; any name outside {@code allowed} (unless empty) is refused.
   */
  Map<String, Node> mapping(Node node, String what, Set<String> allowed) {
    if (!(node instanceof MappingNode mapping)) {
      throw problem(node, what + " must be a mapping of names to values");
    }
    Map<String, Node> fields = new LinkedHashMap<>();
    for (NodeTuple tuple : mapping.getValue()) {
      String key = scalar(tuple.getKeyNode(), what + ": a field name");
      if (!allowed.isEmpty() && !allowed.contains(key)) {
        throw problem(
            tuple.getKeyNode(),
            what + ": unknown field '" + key + "'; known: " + String.join(", ", sorted(allowed)));
      }
      if (fields.put(key, tuple.getValueNode()) != null) {
        throw problem(tuple.getKeyNode(), what + ": field '" + key + "' is given twice");
      }
    }
    return fields;
  }

  /**
   * The constant of {@code type} the word of {@code field} names ({@link Words}), else {@code
   * fallback}.
   */
  <E extends Enum<E>> E word(
      Map<String, Node> fields, String field, String what, E fallback, Class<E> type) {
    Node node = fields.get(field);
    if (node == null) {
      return fallback;
    }
    String name = what + ": " + field;
    try {
      return Words.parse(name, scalar(node, name), type);
    } catch (ConfigException e) {
      throw problem(node, e.getMessage());
    }
  }

  String scalar(Node node, String what) {
    if (!(node instanceof ScalarNode scalar) || scalar.getValue().isBlank()) {
      throw problem(node, what + " must be a single non-blank value");
    }
    return scalar.getValue().strip();
  }

  boolean bool(Map<String, Node> fields, String field, String what) {
    Node node = fields.get(field);
    if (node == null) {
      return false;
    }
    String value = scalar(node, what + ": " + field);
    return switch (value) {
      case "true" -> true;
      case "false" -> false;
      default ->
          throw problem(node, what + ": " + field + " must be true or false, was '" + value + "'");
    };
  }

  long number(
      Map<String, Node> fields, String field, String what, long defaultValue, long min, long max) {
    Node node = fields.get(field);
    if (node == null) {
      return defaultValue;
    }
    String value = scalar(node, what + ": " + field);
    try {
      long parsed = Long.parseLong(value.replace("_", ""));
      if (parsed >= min && parsed <= max) {
        return parsed;
      }
    } catch (NumberFormatException e) {
      // reported below
    }
    throw problem(
        node,
        "%s: %s must be an integer from %d to %d, was '%s'"
            .formatted(what, field, min, max, value));
  }

  Duration duration(
      Map<String, Node> fields,
      String field,
      String what,
      Duration defaultValue,
      Durations.Range range) {
    Node node = fields.get(field);
    if (node == null) {
      return defaultValue;
    }
    String value = scalar(node, what + ": " + field);
    Duration parsed;
    try {
      parsed = Durations.parse(value, range);
    } catch (IllegalArgumentException e) {
      throw problem(node, what + ": " + field + " " + e.getMessage() + ", was '" + value + "'");
    }
    DurationWarnings.check(field, where(node) + what + ": " + field + " " + value, value, parsed)
        .ifPresent(warnings);
    return parsed;
  }

  ConfigException problem(Node node, String message) {
    return new ConfigException(where(node) + message);
  }

  /** The file and line of {@code node}, as messages begin. */
  String where(Node node) {
    return source + " line " + (node.getStartMark().getLine() + 1) + ": ";
  }

  private static List<String> sorted(Set<String> names) {
    return names.stream().sorted().toList();
  }
}
