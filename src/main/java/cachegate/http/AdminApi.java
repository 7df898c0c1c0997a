package cachegate.http;

import cachegate.engine.Answer;
import cachegate.engine.CacheKey;
import cachegate.engine.CachePolicy;
import cachegate.engine.CacheResult;
import cachegate.engine.EntryCatalog;
import cachegate.engine.EntryCatalog.EntryInfo;
import cachegate.engine.EntryCatalog.Purge;
import cachegate.engine.PassThrough;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The admin API under {@code /admin/api}, mounted only when an admin token is configured. Every
 * call needs {@code Authorization: Bearer <token>} (compared in constant time; 401 otherwise) and
 * every action that changes something is logged with what it did and for whom.
 */
final class AdminApi {
  private static final Logger LOG = LoggerFactory.getLogger("cachegate.admin");
  static final int MAX_PAGE = 500;

  private final byte[] token;
  private final Map<String, ServedRoute> routes = new LinkedHashMap<>();
  private final EntryCatalog catalog;
  private final String namespace;
  private final InstantSource clock;
  private final Supplier<Map<String, Object>> stats;

  AdminApi(
      String token,
      List<ServedRoute> routes,
      EntryCatalog catalog,
      String namespace,
      InstantSource clock,
      Supplier<Map<String, Object>> stats) {
    this.token = ("Bearer " + token).getBytes(StandardCharsets.UTF_8);
    routes.forEach(served -> this.routes.put(served.route().name(), served));
    this.catalog = catalog;
    this.namespace = namespace;
    this.clock = clock;
    this.stats = stats;
  }

  void mount(Router router, Vertx vertx) {
    router.route("/admin/api/*").handler(this::authenticate);
    router.get("/admin/api/stats").handler(c -> json(c, new JsonObject(stats.get())));
    router.get("/admin/api/routes").handler(this::routes);
    router.get("/admin/api/routes/:route/entries").handler(this::list);
    router.delete("/admin/api/routes/:route/entries").handler(this::purgeRoute);
    router.get("/admin/api/entries").handler(this::describe);
    router.delete("/admin/api/entries").handler(this::purge);
    router.post("/admin/api/entries/soft-purge").handler(this::softPurge);
    router
        .post("/admin/api/warm")
        .handler(BodyHandler.create().setBodyLimit(64 * 1024))
        .handler(this::warm);
    router
        .route("/admin/api/*")
        .handler(c -> ErrorResponses.send(c.response(), 404, "no such admin endpoint"));
  }

  private void authenticate(RoutingContext context) {
    String given = context.request().getHeader(HttpHeaders.AUTHORIZATION);
    byte[] presented = given == null ? new byte[0] : given.getBytes(StandardCharsets.UTF_8);
    if (!MessageDigest.isEqual(token, presented)) {
      context.response().putHeader("WWW-Authenticate", "Bearer realm=\"cachegate\"");
      ErrorResponses.send(context.response(), 401, "missing or wrong bearer token");
      return;
    }
    context.next();
  }

  private void routes(RoutingContext context) {
    JsonArray list = new JsonArray();
    for (ServedRoute served : routes.values()) {
      CachePolicy policy = served.policy();
      list.add(
          new JsonObject()
              .put("name", served.route().name())
              .put("path", served.route().path())
              .put("upstream", served.route().upstream().toString())
              .put("ttlSeconds", policy.ttl().toSeconds())
              .put("staleWhileRevalidateSeconds", policy.staleWhileRevalidate().toSeconds())
              .put("staleIfErrorSeconds", policy.staleIfError().toSeconds()));
    }
    json(context, list);
  }

  private void list(RoutingContext context) {
    ServedRoute route = pathRoute(context);
    if (route == null) {
      return;
    }
    int count;
    try {
      count = Math.min(MAX_PAGE, Integer.parseInt(context.request().getParam("count", "50")));
    } catch (NumberFormatException e) {
      ErrorResponses.send(context.response(), 400, "count must be an integer");
      return;
    }
    String cursor = context.request().getParam("cursor", "0");
    reply(
        context,
        catalog.list(prefix(route), cursor, Math.max(1, count)),
        page -> {
          JsonArray entries = new JsonArray();
          page.entries().forEach(entry -> entries.add(describe(entry)));
          return new JsonObject().put("entries", entries).put("cursor", page.cursor());
        });
  }

  private void describe(RoutingContext context) {
    String key = keyOf(context);
    if (key == null) {
      return;
    }
    Future.fromCompletionStage(catalog.describe(key), Vertx.currentContext())
        .onComplete(
            (found, failure) -> {
              if (failure != null) {
                ErrorResponses.send(context.response(), failure);
              } else if (found.isEmpty()) {
                ErrorResponses.send(context.response(), 404, "no entry under " + key);
              } else {
                json(context, describe(found.get()));
              }
            });
  }

  private void purge(RoutingContext context) {
    if ("true".equals(context.request().getParam("all"))) {
      String everything = namespace + ":" + CacheKey.FORMAT_VERSION + ":";
      reply(
          context,
          catalog.removeAll(everything),
          removed -> {
            LOG.info(
                "admin {}: purged everything under {}: {} keys",
                who(context),
                everything,
                removed.entries());
            return purged("purged", removed);
          });
      return;
    }
    String key = keyOf(context);
    if (key == null) {
      return;
    }
    reply(
        context,
        catalog.remove(key),
        removed -> {
          LOG.info(
              "admin {}: purged {} ({})",
              who(context),
              key,
              removed.entries() > 0 ? "removed" : "was not stored");
          return purged("purged", removed).put("key", key);
        });
  }

  private void purgeRoute(RoutingContext context) {
    ServedRoute route = pathRoute(context);
    if (route == null) {
      return;
    }
    reply(
        context,
        catalog.removeAll(prefix(route)),
        removed -> {
          LOG.info(
              "admin {}: purged route {}: {} entries",
              who(context),
              route.route().name(),
              removed.entries());
          return purged("purged", removed);
        });
  }

  private void softPurge(RoutingContext context) {
    String key = keyOf(context);
    if (key == null) {
      return;
    }
    reply(
        context,
        catalog.markStale(key, clock.instant()),
        marked -> {
          LOG.info(
              "admin {}: soft-purged {} ({})",
              who(context),
              key,
              marked.entries() > 0 ? "now stale" : "was not stored");
          return purged("softPurged", marked).put("key", key);
        });
  }

  /**
   * A purge's answer: {@code field} counts the entries, and {@code otherInstancesNotTold} says why
   * the other instances were not told to drop their local copies, when they were not.
   */
  private static JsonObject purged(String field, Purge purge) {
    JsonObject answer = new JsonObject().put(field, purge.entries());
    purge
        .othersNotTold()
        .ifPresent(
            why ->
                answer.put(
                    "otherInstancesNotTold",
                    why + "; they serve their local copies until those stop being fresh"));
    return answer;
  }

  private void warm(RoutingContext context) {
    JsonObject body;
    try {
      body = context.body().asJsonObject();
    } catch (RuntimeException e) {
      body = null;
    }
    if (body == null
        || !(body.getValue("queries") instanceof JsonArray)
        || body.containsKey("route") && !(body.getValue("route") instanceof String)) {
      ErrorResponses.send(
          context.response(),
          400,
          "body must be {\"route\": \"<name>\", \"queries\": [\"country=Germany\", ...]}"
              + " (route may be left out when only one is configured)");
      return;
    }
    ServedRoute route = chosenRoute(context, body.getString("route"));
    if (route == null) {
      return;
    }
    List<CompletableFuture<JsonObject>> results =
        body.getJsonArray("queries").stream()
            .map(query -> warm(route, String.valueOf(query)))
            .toList();
    reply(
        context,
        CompletableFuture.allOf(results.toArray(CompletableFuture[]::new)),
        done -> {
          JsonArray answers = new JsonArray();
          results.forEach(result -> answers.add(result.join()));
          LOG.info("admin {}: warmed {} queries", who(context), answers.size());
          return new JsonObject().put("results", answers);
        });
  }

  private CompletableFuture<JsonObject> warm(ServedRoute route, String query) {
    JsonObject result = new JsonObject().put("query", query);
    CacheKey key;
    try {
      key = route.route().key(namespace, QueryString.parse(query));
    } catch (RuntimeException refused) {
      return CompletableFuture.completedFuture(
          result.put("status", 400).put("error", refused.getMessage()));
    }
    return route
        .engine()
        .get(key)
        .handle(
            (answer, failure) ->
                failure != null
                    ? result
                        .put("key", key.redisKey())
                        .put("status", 502)
                        .put("error", failure.getMessage())
                    : warmed(result.put("key", key.redisKey()), answer));
  }

  private static JsonObject warmed(JsonObject result, Answer answer) {
    result.put("outcome", answer.outcome().header());
    if (answer instanceof PassThrough passed) {
      // Nobody reads it here: it is dropped, and nothing was stored.
      passed.body().discard();
      return result
          .put("status", passed.status())
          .put("stored", false)
          .put("error", "not stored: " + passed.body().reason().detail());
    }
    return result.put("status", ((CacheResult) answer).entry().status());
  }

  private JsonObject describe(EntryInfo entry) {
    Instant now = clock.instant();
    Duration age = Duration.between(entry.storedAt(), now);
    Optional<ServedRoute> route = routeOf(entry.key());
    Duration lifetime =
        route
            .map(ServedRoute::policy)
            .map(CachePolicy::ttl)
            .filter(ttl -> ttl.compareTo(entry.ttl()) < 0)
            .orElse(entry.ttl());
    JsonObject json =
        new JsonObject()
            .put("key", entry.key())
            .put("params", params(entry.key(), route))
            .put("bytes", entry.bytes())
            .put("storedAt", entry.storedAt().toString())
            .put("ageSeconds", age.toSeconds())
            .put("ttlSeconds", lifetime.minus(age).toSeconds());
    route.ifPresent(served -> json.put("route", served.route().name()));
    entry.expiresIn().ifPresent(left -> json.put("expiresInSeconds", left.toSeconds()));
    return json;
  }

  /** The parameters as the key shows them (hashed values stay hashed). */
  private JsonObject params(String key, Optional<ServedRoute> route) {
    JsonObject params = new JsonObject();
    String encoded =
        route
            .map(this::prefix)
            .filter(prefix -> key.endsWith("}"))
            .map(prefix -> key.substring(prefix.length(), key.length() - 1))
            .orElse("");
    for (String pair : encoded.split("&")) {
      int equals = pair.indexOf('=');
      if (equals > 0) {
        String value = pair.substring(equals + 1);
        params.put(
            pair.substring(0, equals),
            value.startsWith("sha256:") ? value : URLDecoder.decode(value, StandardCharsets.UTF_8));
      }
    }
    return params;
  }

  /**
   * The key named by {@code ?key=}, or by a route's own parameters (the route named by {@code
   * ?route=}, which may be left out when only one is configured); null after answering 400.
   */
  private String keyOf(RoutingContext context) {
    String key = context.request().getParam("key");
    if (key != null) {
      if (!key.startsWith(namespace + ":")) {
        ErrorResponses.send(context.response(), 400, "key must start with " + namespace + ":");
        return null;
      }
      return key;
    }
    ServedRoute route = chosenRoute(context, context.request().getParam("route"));
    if (route == null) {
      return null;
    }
    try {
      Map<String, List<String>> query = new HashMap<>(QueryString.parse(context.request().query()));
      query.remove("route");
      return route.route().key(namespace, query).redisKey();
    } catch (RuntimeException refused) {
      ErrorResponses.send(
          context.response(),
          400,
          "give ?key=<key> or the route's parameters: " + refused.getMessage());
      return null;
    }
  }

  /** The route named in the path; null after answering 404. */
  private ServedRoute pathRoute(RoutingContext context) {
    return named(context, context.pathParam("route"));
  }

  /** The route {@code name}, or the only one when no name is given; null after answering. */
  private ServedRoute chosenRoute(RoutingContext context, String name) {
    if (name == null) {
      if (routes.size() == 1) {
        return routes.values().iterator().next();
      }
      ErrorResponses.send(
          context.response(), 400, "name the route: one of " + String.join(", ", routes.keySet()));
      return null;
    }
    return named(context, name);
  }

  /** The route called {@code name}; null after answering 404. */
  private ServedRoute named(RoutingContext context, String name) {
    ServedRoute route = routes.get(name);
    if (route == null) {
      ErrorResponses.send(context.response(), 404, "no route " + name);
    }
    return route;
  }

  private Optional<ServedRoute> routeOf(String key) {
    return routes.values().stream().filter(r -> key.startsWith(prefix(r))).findFirst();
  }

  private String prefix(ServedRoute route) {
    return CacheKey.prefix(namespace, route.route().name());
  }

  private static String who(RoutingContext context) {
    return String.valueOf(context.request().remoteAddress());
  }

  private static <T> void reply(
      RoutingContext context,
      CompletableFuture<T> work,
      java.util.function.Function<T, Object> render) {
    Future.fromCompletionStage(work, Vertx.currentContext())
        .onComplete(
            (value, failure) -> {
              if (failure != null) {
                ErrorResponses.send(context.response(), failure);
              } else {
                json(context, render.apply(value));
              }
            });
  }

  private static void json(RoutingContext context, Object body) {
    String text = body instanceof JsonObject object ? object.encode() : ((JsonArray) body).encode();
    context
        .response()
        .putHeader(HttpHeaders.CONTENT_TYPE, "application/json")
        .putHeader(HttpHeaders.CACHE_CONTROL, "no-store")
        .end(text);
  }
}
