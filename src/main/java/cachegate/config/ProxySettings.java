package cachegate.config;

import java.net.URI;
import java.net.URISyntaxException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * Reads {@code HTTPS_PROXY}, {@code HTTP_PROXY} and {@code NO_PROXY} (or their lower-case forms,
 * which win, as curl's do) and says which proxy an upstream is called through. {@code NO_PROXY} is
 * a list of host names, each matching itself and every name under it ({@code example.com} and
 * {@code .example.com} both match {@code api.example.com}), optionally with {@code :port}; {@code
 * *} matches every host. IP ranges (CIDR) are not read.
 */
final class ProxySettings {
  private final OutboundProxy https;
  private final OutboundProxy http;
  private final List<String> noProxy;

  ProxySettings(OutboundProxy https, OutboundProxy http, List<String> noProxy) {
    this.https = https;
    this.http = http;
    this.noProxy = List.copyOf(noProxy);
  }

  static ProxySettings read(Env env) {
    return new ProxySettings(
        proxy(env, "HTTPS_PROXY"),
        proxy(env, "HTTP_PROXY"),
        variable(env, "NO_PROXY")
            .map(
                list ->
                    Arrays.stream(list.split("[,\\s]+"))
                        .map(String::strip)
                        .filter(s -> !s.isEmpty())
                        .toList())
            .orElse(List.of()));
  }

  /** The proxy for an upstream at {@code url}: by its scheme, unless {@code NO_PROXY} names it. */
  OutboundProxy forUpstream(URI url) {
    OutboundProxy proxy = "https".equals(url.getScheme()) ? https : http;
    if (proxy.isDirect() || bypasses(url.getHost(), port(url))) {
      return OutboundProxy.DIRECT;
    }
    return proxy;
  }

  /** Whether {@code NO_PROXY} names {@code host} (on {@code port}). */
  boolean bypasses(String host, int port) {
    String name = unbracket(host).toLowerCase(Locale.ROOT);
    for (String entry : noProxy) {
      if (entry.equals("*")) {
        return true;
      }
      String pattern = entry.toLowerCase(Locale.ROOT);
      int colon = pattern.lastIndexOf(':');
      if (colon > 0
          && pattern.indexOf(':') == colon
          && pattern.substring(colon + 1).matches("\\d+")) {
        if (Integer.parseInt(pattern.substring(colon + 1)) != port) {
          continue;
        }
        pattern = pattern.substring(0, colon);
      }
      pattern = unbracket(pattern);
      if (pattern.startsWith("*.")) {
        pattern = pattern.substring(1);
      }
      if (pattern.startsWith(".")) {
        pattern = pattern.substring(1);
      }
      if (!pattern.isEmpty() && (name.equals(pattern) || name.endsWith("." + pattern))) {
        return true;
      }
    }
    return false;
  }

  private static String unbracket(String host) {
    return host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
  }

  private static int port(URI url) {
    if (url.getPort() > 0) {
      return url.getPort();
    }
    return "https".equals(url.getScheme()) ? 443 : 80;
  }

  /** The lower-case form when set (as curl reads it), else the upper-case one. */
  private static Optional<String> variable(Env env, String name) {
    return env.value(name.toLowerCase(Locale.ROOT)).or(() -> env.value(name));
  }

  private static OutboundProxy proxy(Env env, String name) {
    Optional<String> raw = variable(env, name);
    if (raw.isEmpty()) {
      return OutboundProxy.DIRECT;
    }
    String text = raw.get().contains("://") ? raw.get() : "http://" + raw.get();
    URI url;
    try {
      url = new URI(text);
    } catch (URISyntaxException e) {
      throw new ConfigException(name + " is not a valid proxy URL, was '" + masked(text) + "'");
    }
    OutboundProxy.Type type =
        switch (url.getScheme().toLowerCase(Locale.ROOT)) {
          case "http" -> OutboundProxy.Type.HTTP;
          case "socks5", "socks5h" -> OutboundProxy.Type.SOCKS5;
          default ->
              throw new ConfigException(
                  name
                      + " must be an http:// or socks5:// proxy URL (a proxy spoken to over TLS is"
                      + " not supported), was '"
                      + masked(text)
                      + "'");
        };
    if (url.getHost() == null) {
      throw new ConfigException(name + " must name the proxy's host, was '" + masked(text) + "'");
    }
    String user = "";
    String password = "";
    if (url.getRawUserInfo() != null) {
      String[] parts = url.getRawUserInfo().split(":", 2);
      user = decode(parts[0]);
      password = parts.length > 1 ? decode(parts[1]) : "";
    }
    int port = url.getPort() > 0 ? url.getPort() : type == OutboundProxy.Type.SOCKS5 ? 1080 : 80;
    return new OutboundProxy(type, unbracket(url.getHost()), port, user, password, name);
  }

  private static String decode(String text) {
    return URLDecoder.decode(text.replace("+", "%2B"), StandardCharsets.UTF_8);
  }

  /** The URL with any password replaced, so that error messages never show it. */
  private static String masked(String url) {
    return url.replaceFirst("//[^/@]*@", "//***@");
  }
}
