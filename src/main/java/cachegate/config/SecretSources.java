package cachegate.config;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Fills {@code ${env:NAME}} and {@code ${file:/run/secrets/name}} in a value of the routes file
 * with an environment variable or a file's content (Docker and Kubernetes secrets), so that keys
 * need not be written into the file. A value that uses either is secret. A variable that is unset
 * or blank, or a file that cannot be read, is a {@link ConfigException} naming it, never its value.
 */
final class SecretSources {
  /** The longest file read: a key or a token, not a document. */
  static final int MAX_FILE_BYTES = 64 * 1024;

  private static final Pattern REFERENCE = Pattern.compile("\\$\\{(env|file):([^}]*)}");

  /** Reads a file named by {@code ${file:…}}. */
  @FunctionalInterface
  interface FileReader {
    byte[] read(Path path) throws IOException;
  }

  private final Map<String, String> env;
  private final FileReader files;

  SecretSources(Map<String, String> env, FileReader files) {
    this.env = Map.copyOf(env);
    this.files = files;
  }

  /** Sources that read the process's files, {@link #MAX_FILE_BYTES} at most each. */
  static SecretSources of(Map<String, String> env) {
    return new SecretSources(
        env,
        path -> {
          if (Files.size(path) > MAX_FILE_BYTES) {
            throw new IOException("it is longer than " + MAX_FILE_BYTES + " bytes");
          }
          return Files.readAllBytes(path);
        });
  }

  /** Sources that have no variables and no files: every reference is refused. */
  static SecretSources none() {
    return new SecretSources(
        Map.of(),
        path -> {
          throw new IOException("files are not read here");
        });
  }

  /**
   * A value whose references are filled.
   *
   * @param value the text to send
   * @param secret whether any part of it came from a variable or a file
   */
  record Resolved(String value, boolean secret) {
    @Override
    public String toString() {
      return secret ? UpstreamField.MASK : value;
    }
  }

  /**
   * {@code text} with every reference filled.
   *
   * @param what where the value stands, for messages ({@code routes.yml line 9: route 'github':
   *     upstreamHeaders 'Authorization'})
   */
  Resolved resolve(String text, String what) {
    Matcher reference = REFERENCE.matcher(text);
    StringBuilder filled = new StringBuilder();
    boolean secret = false;
    while (reference.find()) {
      String source = reference.group(2).strip();
      String value = "env".equals(reference.group(1)) ? variable(source, what) : file(source, what);
      reference.appendReplacement(filled, Matcher.quoteReplacement(value));
      secret = true;
    }
    reference.appendTail(filled);
    String result = filled.toString();
    String rest = REFERENCE.matcher(text).replaceAll("");
    if (rest.contains("${")) {
      throw new ConfigException(
          what + ": '${' starts a reference, written ${env:NAME} or ${file:/path/to/file}");
    }
    for (int i = 0; i < result.length(); i++) {
      if (Character.isISOControl(result.charAt(i))) {
        throw new ConfigException(
            what + ": the value contains a line break or another control character");
      }
    }
    return new Resolved(result, secret);
  }

  private String variable(String name, String what) {
    if (!name.matches("[A-Za-z_][A-Za-z0-9_]*")) {
      throw new ConfigException(what + ": '" + name + "' is not an environment variable name");
    }
    String value = env.get(name);
    if (value == null || value.isBlank()) {
      throw new ConfigException(what + ": environment variable " + name + " is not set");
    }
    return value.strip();
  }

  private String file(String name, String what) {
    if (name.isEmpty()) {
      throw new ConfigException(what + ": ${file:} needs a file name");
    }
    byte[] content;
    try {
      content = files.read(Path.of(name));
    } catch (NoSuchFileException e) {
      throw new ConfigException(what + ": file " + name + " does not exist");
    } catch (AccessDeniedException e) {
      throw new ConfigException(what + ": file " + name + " cannot be read (permission denied)");
    } catch (IOException | RuntimeException e) {
      // These messages name the file or its size, never its content.
      throw new ConfigException(what + ": cannot read file " + name + ": " + e.getMessage());
    }
    // Secrets written by `echo` or editors end with a newline; it is not part of the key.
    String value = new String(content, StandardCharsets.UTF_8).strip();
    if (value.isEmpty()) {
      throw new ConfigException(what + ": file " + name + " is empty");
    }
    return value;
  }
}
