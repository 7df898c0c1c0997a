package cachegate.http;

import cachegate.engine.Answer;
import cachegate.engine.CacheKey;
import cachegate.engine.CachePolicy;
import cachegate.engine.CacheResult;
import cachegate.engine.EntryCatalog;
import cachegate.engine.EntryCatalog.EntryInfo;
import cachegate.engine.EntryCatalog.Purge;
import cachegate.engine.Failures;
import cachegate.engine.InvalidRequestException;
import cachegate.engine.PassThrough;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The admin API under {@code /admin/api}, mounted only when an admin token is configured. Every
 * call needs {@code Authorization: Bearer <token>} (compared in constant time; 401 otherwise) and
 * every action that changes something is logged with what it did and for whom. An entry is named by
 * its route's parameters, normalised as a request's are, or by its key ({@code ?key=}).
 *
 * <p>A request that names nothing valid is refused (400) or names nothing there is (404); an action
 * that the store fails is answered 503, saying that it was not done, and logged in one line.
 *
 * <p>Longer than most classes: nine calls, each a short handler; reading what a request names is
 * {@link AdminQuery}'s.
 */
final class AdminApi {
  private static final Logger LOG = LoggerFactory.getLogger("cachegate.admin");
  static final int MAX_PAGE = 500;

  private static final String WARM_BODY =
      "body must be {\"route\": \"<name>\", \"queries\": [\"country=Germany\", ...]}"
          + " (route may be left out when only one is configured)";

  private final byte[] token;
  private final AdminQuery names;
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
    this.names = new AdminQuery(routes, namespace);
    this.catalog = catalog;
    this.namespace = namespace;
    this.clock = clock;
    this.stats = stats;
  }

  void mount(Router router) {
    router.route("/admin/api/*").handler(this::authenticate);
    router.get("/admin/api/stats").handler(c -> json(c, new JsonObject(stats.get())));
    router.get("/admin/api/routes").handler(this::routes);
    router.get("/admin/api/routes/:route/entries").handler(refusing(this::list));
    router.delete("/admin/api/routes/:route/entries").handler(refusing(this::purgeRoute));
    router.get("/admin/api/entries").handler(refusing(this::describe));
    router.delete("/admin/api/entries").handler(refusing(this::purge));
    router.post("/admin/api/entries/soft-purge").handler(refusing(this::softPurge));
    router
        .post("/admin/api/warm")
        .handler(BodyHandler.create().setBodyLimit(64 * 1024))
        .handler(refusing(this::warm));
    router
        .route("/admin/api/*")
        .handler(c -> ErrorResponses.send(c.response(), 404, "no such admin endpoint"));
  }

  /** {@code handler}, with what it refuses by throwing answered as {@link ErrorResponses} says. */
  private static Handler<RoutingContext> refusing(Handler<RoutingContext> handler) {
    return context -> {
      try {
        handler.handle(context);
      } catch (InvalidRequestException | NotFoundException refused) {
        ErrorResponses.send(context.response(), refused);
      }
    };
  }

  private void authenticate(RoutingContext context) {
    String given = context.request().getHeader(HttpHeaders.AUTHORIZATION);
    byte[] presented = Objects.requireNonNullElse(given, "").getBytes(StandardCharsets.UTF_8);
    if (!MessageDigest.isEqual(token, presented)) {
      context.response().putHeader("WWW-Authenticate", "Bearer realm=\"cachegate\"");
      ErrorResponses.send(context.response(), 401, "missing or wrong bearer token");
      return;
    }
    context.next();
  }

  private void routes(RoutingContext context) {
    JsonArray list = new JsonArray();
    for (ServedRoute served : names.routes()) {
      CachePolicy policy = served.policy();
      JsonObject route =
          new JsonObject()
              .put("name", served.route().name())
              .put("path", served.route().path())
              .put("upstream", served.route().upstream().toString())
              .put("ttlSeconds", policy.ttl().toSeconds())
              .put("staleWhileRevalidateSeconds", policy.staleWhileRevalidate().toSeconds())
              .put("staleIfErrorSeconds", policy.staleIfError().toSeconds())
              .put("cacheStatusesSeconds", statusTtls(policy));
      if (served.route().varies()) {
        route
            .put("varyHeaders", new JsonArray(served.route().varyHeaders()))
            .put("forwardHeaders", new JsonArray(List.copyOf(served.route().forwardHeaders())));
      }
      served.upstream().budgetState().ifPresent(budget -> route.put("budget", budget));
      list.add(route);
    }
    json(context, list);
  }

  private void list(RoutingContext context) {
    ServedRoute route = names.route(context.pathParam("route"));
    Map<String, List<String>> query = AdminQuery.of(context);
    String count = AdminQuery.single(query, "count").orElse("50");
    int wanted;
    try {
      wanted = Math.max(1, Math.min(MAX_PAGE, Integer.parseInt(count)));
    } catch (NumberFormatException e) {
      throw new InvalidRequestException("count must be an integer, was '" + count + "'");
    }
    reply(
        context,
        catalog.list(prefix(route), AdminQuery.single(query, "cursor").orElse("0"), wanted),
        "the listing of route " + route.route().name(),
        page -> {
          JsonArray entries = new JsonArray();
          page.entries().forEach(entry -> entries.add(describe(entry)));
          return new JsonObject().put("entries", entries).put("cursor", page.cursor());
        });
  }

  private void describe(RoutingContext context) {
    String key = names.key(AdminQuery.of(context));
    reply(
        context,
        catalog.describe(key),
        "the description of " + key,
        found -> describe(found.orElseThrow(() -> new NotFoundException("no entry under " + key))));
  }

  private void purge(RoutingContext context) {
    Map<String, List<String>> query = AdminQuery.of(context);
    if (AdminQuery.single(query, "all").filter("true"::equals).isPresent()) {
      String everything = CacheKey.entriesPrefix(namespace);
      reply(
          context,
          catalog.removeAll(everything),
          "the purge of everything under " + everything,
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
    Optional<String> variants = names.variantsPrefix(query);
    if (variants.isPresent()) {
      String prefix = variants.get();
      reply(
          context,
          catalog.removeAll(prefix),
          "the purge of every variant under " + prefix,
          removed -> {
            LOG.info(
                "admin {}: purged every variant under {}: {} entries",
                who(context),
                prefix,
                removed.entries());
            return purged("purged", removed).put("variantsOf", prefix);
          });
      return;
    }
    String key = names.key(query);
    reply(
        context,
        catalog.remove(key),
        "the purge of " + key,
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
    ServedRoute route = names.route(context.pathParam("route"));
    reply(
        context,
        catalog.removeAll(prefix(route)),
        "the purge of route " + route.route().name(),
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
    String key = names.key(AdminQuery.of(context));
    reply(
        context,
        catalog.markStale(key, clock.instant()),
        "the soft purge of " + key,
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
    JsonObject body = warmBody(context);
    ServedRoute route = names.route(Optional.ofNullable(body.getString("route")));
    if (route.route().varies()) {
      throw new InvalidRequestException(
          "route '"
              + route.route().name()
              + "' varies by request headers; warming cannot send a client's headers");
    }
    List<CompletableFuture<JsonObject>> results =
        body.getJsonArray("queries").stream()
            .map(query -> warm(route, String.valueOf(query)))
            .toList();
    reply(
        context,
        CompletableFuture.allOf(results.toArray(CompletableFuture[]::new)),
        "warming",
        done -> {
          JsonArray answers = new JsonArray();
          results.forEach(result -> answers.add(result.join()));
          LOG.info("admin {}: warmed {} queries", who(context), answers.size());
          return new JsonObject().put("results", answers);
        });
  }

  private static JsonObject warmBody(RoutingContext context) {
    Optional<JsonObject> body;
    try {
      body = Optional.ofNullable(context.body().asJsonObject());
    } catch (RuntimeException notJson) {
      body = Optional.empty();
    }
    return body.filter(given -> given.getValue("queries") instanceof JsonArray)
        .filter(given -> !given.containsKey("route") || given.getValue("route") instanceof String)
        .orElseThrow(() -> new InvalidRequestException(WARM_BODY));
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

  /**
   * What an operator sees of an entry: its parameters as its key shows them (a value too long to
   * keep readable as its hash), the hashes of its variant when it has one and, when its route is
   * served, the freshness left under that route's policy as the engine assesses it.
   */
  private JsonObject describe(EntryInfo entry) {
    Instant now = clock.instant();
    Optional<CacheKey> key = CacheKey.parse(entry.key());
    JsonObject json =
        new JsonObject()
            .put("key", entry.key())
            .put("params", params(key))
            .put("bytes", entry.bytes())
            .put("status", entry.status())
            .put("storedAt", entry.storedAt().toString())
            .put("ageSeconds", Duration.between(entry.storedAt(), now).toSeconds());
    key.filter(parsed -> !parsed.variant().isEmpty())
        .ifPresent(parsed -> json.put("variant", new JsonObject(Map.copyOf(parsed.variant()))));
    key.flatMap(parsed -> names.served(parsed.route()))
        .ifPresent(
            served ->
                json.put("route", served.route().name())
                    .put("ttlSeconds", entry.freshnessLeft(now, served.policy()).toSeconds()));
    entry.expiresIn().ifPresent(left -> json.put("expiresInSeconds", left.toSeconds()));
    return json;
  }

  /** The 4xx statuses the route caches, each with its TTL in seconds, in status order. */
  private static JsonObject statusTtls(CachePolicy policy) {
    JsonObject ttls = new JsonObject();
    new TreeMap<>(policy.statusTtls())
        .forEach((status, ttl) -> ttls.put(String.valueOf(status), ttl.toSeconds()));
    return ttls;
  }

  private static JsonObject params(Optional<CacheKey> key) {
    JsonObject params = new JsonObject();
    key.ifPresent(parsed -> parsed.params().forEach(params::put));
    return params;
  }

  private String prefix(ServedRoute route) {
    return CacheKey.prefix(namespace, route.route().name());
  }

  private static String who(RoutingContext context) {
    return String.valueOf(context.request().remoteAddress());
  }

  /**
   * Answers with {@code render} of what {@code work} completes with. When it fails, answers as
   * {@link ErrorResponses} says (503 when the store failed), saying that {@code action} was not
   * done, and logs that in one line.
   */
  private static <T> void reply(
      RoutingContext context,
      CompletableFuture<T> work,
      String action,
      Function<T, Object> render) {
    Future.fromCompletionStage(work, Vertx.currentContext())
        .onComplete(
            (value, failure) -> {
              if (failure != null) {
                LOG.warn(
                    "admin {}: {} was not done: {}",
                    who(context),
                    action,
                    Failures.unwrap(failure).getMessage());
                ErrorResponses.send(context.response(), failure, action);
                return;
              }
              try {
                json(context, render.apply(value));
              } catch (NotFoundException absent) {
                ErrorResponses.send(context.response(), absent);
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
