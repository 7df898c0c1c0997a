package cachegate.config;

import cachegate.engine.UrlTemplate;
import java.util.Locale;
import java.util.Objects;

/**
 * A header or query parameter cachegate adds to every request to a route's upstream, such as {@code
 * Authorization: Bearer …} or {@code appid=…}. A secret one (its value came from an environment
 * variable or a file, the routes file marks it {@code secret: true}, or its name reads like a
 * credential) is shown as {@code ***} wherever cachegate writes it: {@link #toString()}, {@link
 * #shown()}, logs, errors, {@code /health}, the admin API. It is never part of a cache key.
 *
 * @param name the header's or parameter's name
 * @param value what is sent
 * @param secret whether the value must never be shown
 */
public record UpstreamField(String name, String value, boolean secret) {
  /** What a secret value is shown as. */
  public static final String MASK = UrlTemplate.MASK;

  public UpstreamField {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(value, "value");
  }

  /** A field whose value is secret when its name reads like a credential. */
  public static UpstreamField of(String name, String value) {
    return new UpstreamField(name, value, looksLikeCredential(name));
  }

  /** Whether a header or parameter of this name carries a credential. */
  public static boolean looksLikeCredential(String name) {
    return UrlTemplate.isCredentialName(name);
  }

  /** The value as logs and pages may show it: {@code ***} when secret. */
  public String shown() {
    return secret ? MASK : value;
  }

  /** Whether this field has the header name {@code other} (header names ignore case). */
  boolean isNamed(String other) {
    return name.toLowerCase(Locale.ROOT).equals(other.toLowerCase(Locale.ROOT));
  }

  /** {@code name=value}, the value masked when secret. */
  @Override
  public String toString() {
    return name + "=" + shown();
  }
}
