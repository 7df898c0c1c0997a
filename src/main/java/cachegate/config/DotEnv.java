package cachegate.config;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Parses a {@code .env} file as python-dotenv (the tutorial's) reads the common subset: {@code
 * KEY=VALUE} lines, {@code #} comments, an optional {@code export} prefix, single or double quotes
 * around the value, and {@code #} comments after unquoted values.
 */
public final class DotEnv {
  private DotEnv() {}

  /** The variables defined in {@code content}; later lines win over earlier ones. */
  public static Map<String, String> parse(String content) {
    Map<String, String> variables = new LinkedHashMap<>();
    int lineNumber = 0;
    for (String line : content.split("\\R")) {
      lineNumber++;
      String text = line.strip();
      if (text.isEmpty() || text.startsWith("#")) {
        continue;
      }
      if (text.startsWith("export ")) {
        text = text.substring("export ".length()).strip();
      }
      int equals = text.indexOf('=');
      if (equals <= 0) {
        throw new ConfigException(
            ".env line " + lineNumber + " must look like KEY=VALUE, was '" + line.strip() + "'");
      }
      variables.put(text.substring(0, equals).strip(), value(text.substring(equals + 1).strip()));
    }
    return variables;
  }

  private static String value(String raw) {
    if (raw.length() >= 2
        && (raw.charAt(0) == '"' || raw.charAt(0) == '\'')
        && raw.indexOf(raw.charAt(0), 1) > 0) {
      return raw.substring(1, raw.indexOf(raw.charAt(0), 1));
    }
    int comment = raw.indexOf(" #");
    return (comment < 0 ? raw : raw.substring(0, comment)).strip();
  }
}
