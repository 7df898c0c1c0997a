package cachegate.config;

import java.util.Objects;

/**
 * The proxy that upstream requests go through ({@code HTTPS_PROXY}, {@code HTTP_PROXY}), or {@link
 * #DIRECT}. An {@code https} upstream is reached through an HTTP proxy with {@code CONNECT}, so the
 * proxy sees the host name but neither the request nor its credentials. {@link #toString()} never
 * shows the proxy's password.
 *
 * @param type HTTP (also for {@code https} upstreams, through CONNECT) or SOCKS5; NONE for DIRECT
 * @param host the proxy's host
 * @param port the proxy's port
 * @param username the proxy's user, empty for none
 * @param password the proxy's password, empty for none
 * @param variable the variable it came from, for logs
 */
public record OutboundProxy(
    Type type, String host, int port, String username, String password, String variable) {
  /** No proxy: the upstream is called directly. */
  public static final OutboundProxy DIRECT = new OutboundProxy(Type.NONE, "", 0, "", "", "");

  /** How the proxy is spoken to. */
  public enum Type {
    NONE,
    HTTP,
    SOCKS5
  }

  public OutboundProxy {
    Objects.requireNonNull(type, "type");
    Objects.requireNonNull(host, "host");
    Objects.requireNonNull(username, "username");
    Objects.requireNonNull(password, "password");
    Objects.requireNonNull(variable, "variable");
    if (type != Type.NONE && (host.isBlank() || port < 1 || port > 65535)) {
      throw new ConfigException(variable + " must name a host and a port from 1 to 65535");
    }
  }

  public boolean isDirect() {
    return type == Type.NONE;
  }

  /** {@code http://proxy:3128 (HTTPS_PROXY)}, with {@code ***} for a user's password. */
  @Override
  public String toString() {
    if (isDirect()) {
      return "direct";
    }
    String scheme = type == Type.SOCKS5 ? "socks5" : "http";
    String user = username.isEmpty() ? "" : username + (password.isEmpty() ? "" : ":***") + "@";
    return scheme + "://" + user + host + ":" + port + " (" + variable + ")";
  }
}
