package cachegate.metrics;

import cachegate.engine.CacheMetrics;
import cachegate.engine.CacheOutcome;
import cachegate.engine.RateBudget;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.search.Search;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * {@link CacheMetrics} on Micrometer, named for Prometheus:
 *
 * <ul>
 *   <li>{@code cachegate_requests_total{route,outcome}}: outcome is {@code hit}, {@code miss},
 *       {@code stale}, {@code revalidated}, {@code stale-if-error}, {@code error} or {@code
 *       invalid};
 *   <li>{@code cachegate_upstream_requests_seconds{route,result}}: a histogram of upstream calls,
 *       result {@code success} or {@code failure};
 *   <li>{@code cachegate_upstream_calls_saved_total{route}}: requests answered without an upstream
 *       call of their own (hits, stale answers, joined fetches);
 *   <li>{@code cachegate_coalesced_waiters_total{route}}: requests that joined another's fetch;
 *   <li>{@code cachegate_store_errors_total{tier}}: store operations that failed;
 *   <li>{@code cachegate_store_writes_refused_total{tier,reason}}: writes a store answered with a
 *       refusal, {@code reason} {@code full} (Redis at {@code maxmemory} with {@code noeviction});
 *       not counted as errors;
 *   <li>{@code cachegate_upstream_not_modified_total{route}}: conditional refreshes the upstream
 *       answered {@code 304 Not Modified} (no body transferred; the entry renewed);
 *   <li>{@code cachegate_error_answers_total{route,status,outcome}}: answers carrying an upstream
 *       4xx status, by status and what the cache did ({@code hit}, {@code miss}, …);
 *   <li>{@code cachegate_limits_reached_total{limit,route}}: a limit on something cachegate does
 *       not control was reached (route empty for limits on client connections).
 * </ul>
 *
 * Thread-safe: Micrometer meters are.
 */
public final class MicrometerCacheMetrics implements CacheMetrics {
  static final String REQUESTS = "cachegate.requests";
  static final String UPSTREAM = "cachegate.upstream.requests";
  static final String SAVED = "cachegate.upstream.calls.saved";
  static final String COALESCED = "cachegate.coalesced.waiters";
  static final String STORE_ERRORS = "cachegate.store.errors";
  static final String LIMITS = "cachegate.limits.reached";
  static final String WRITES_REFUSED = "cachegate.store.writes.refused";
  static final String NOT_MODIFIED = "cachegate.upstream.not.modified";
  static final String ERROR_ANSWERS = "cachegate.error.answers";
  private static final String[] OUTCOMES = {
    "hit", "miss", "stale", "revalidated", "stale-if-error", "error", "invalid"
  };

  private final MeterRegistry registry;
  private final Map<String, RouteMeters> routes = new ConcurrentHashMap<>();

  /** Counted per chunk of every upstream answer: looked up here, not registered each time. */
  private final Map<Map.Entry<String, String>, Counter> receivedBytes = new ConcurrentHashMap<>();

  /** The meters of one route, looked up once, so that recording allocates nothing. */
  private record RouteMeters(
      Counter hit,
      Counter miss,
      Counter stale,
      Counter revalidated,
      Counter staleIfError,
      Counter error,
      Counter invalid,
      Counter saved,
      Counter coalesced,
      Timer upstreamSuccess,
      Timer upstreamFailure,
      Counter notModified) {}

  public MicrometerCacheMetrics(MeterRegistry registry) {
    this.registry = registry;
  }

  /** Registers every series of {@code route} at zero, so dashboards see them before traffic. */
  public MicrometerCacheMetrics register(String route) {
    meters(route);
    return this;
  }

  @Override
  public void hit(String route) {
    RouteMeters meters = meters(route);
    meters.hit().increment();
    meters.saved().increment();
  }

  @Override
  public void miss(String route) {
    meters(route).miss().increment();
  }

  @Override
  public void staleServed(String route) {
    RouteMeters meters = meters(route);
    meters.stale().increment();
    meters.saved().increment();
  }

  @Override
  public void revalidated(String route) {
    meters(route).revalidated().increment();
  }

  @Override
  public void staleIfError(String route) {
    meters(route).staleIfError().increment();
  }

  @Override
  public void error(String route) {
    meters(route).error().increment();
  }

  @Override
  public void rejected(String route) {
    meters(route).invalid().increment();
  }

  @Override
  public void coalesced(String route) {
    RouteMeters meters = meters(route);
    meters.coalesced().increment();
    meters.saved().increment();
  }

  @Override
  public void upstreamCall(String route, Duration latency, boolean succeeded) {
    RouteMeters meters = meters(route);
    (succeeded ? meters.upstreamSuccess() : meters.upstreamFailure()).record(latency);
  }

  private RouteMeters meters(String route) {
    RouteMeters meters = routes.get(route);
    return meters != null ? meters : routes.computeIfAbsent(route, this::create);
  }

  private RouteMeters create(String route) {
    return new RouteMeters(
        requests(route, "hit"),
        requests(route, "miss"),
        requests(route, "stale"),
        requests(route, "revalidated"),
        requests(route, "stale-if-error"),
        requests(route, "error"),
        requests(route, "invalid"),
        Counter.builder(SAVED)
            .description("Requests answered without an upstream call of their own")
            .tag("route", route)
            .register(registry),
        Counter.builder(COALESCED)
            .description("Requests that joined a fetch made for another request")
            .tag("route", route)
            .register(registry),
        upstream(route, "success"),
        upstream(route, "failure"),
        Counter.builder(NOT_MODIFIED)
            .description("Conditional refreshes the upstream answered 304 Not Modified")
            .tag("route", route)
            .register(registry));
  }

  @Override
  public void upstreamNotModified(String route) {
    meters(route).notModified().increment();
  }

  @Override
  public void errorStatusAnswered(String route, int status, CacheOutcome outcome) {
    Counter.builder(ERROR_ANSWERS)
        .description("Answers carrying an upstream 4xx status, by status and cache outcome")
        .tag("route", route)
        .tag("status", String.valueOf(status))
        .tag("outcome", outcome.header().toLowerCase(Locale.ROOT))
        .register(registry)
        .increment();
  }

  private Timer upstream(String route, String result) {
    return Timer.builder(UPSTREAM)
        .description("Calls to the upstream API")
        .tag("route", route)
        .tag("result", result)
        .publishPercentileHistogram()
        .register(registry);
  }

  @Override
  public void storeFailure(String tier) {
    Counter.builder(STORE_ERRORS)
        .description("Failed store operations, by tier")
        .tag("tier", tier)
        .register(registry)
        .increment();
  }

  @Override
  public void limitReached(String limit, String route) {
    Counter.builder(LIMITS)
        .description("Limits reached on what cachegate does not control, by limit and route")
        .tag("limit", limit)
        .tag("route", route)
        .register(registry)
        .increment();
  }

  @Override
  public void budgetRefused(String route) {
    Counter.builder("cachegate.upstream.budget.refused")
        .description("Upstream calls the route's rate budget refused to requests, by route")
        .tag("route", route)
        .register(registry)
        .increment();
  }

  @Override
  public void upstreamBytes(String route, String encoding, long bytes) {
    receivedBytes
        .computeIfAbsent(
            Map.entry(route, encoding),
            key ->
                Counter.builder("cachegate.upstream.received.bytes")
                    .description(
                        "Bytes of upstream answers' bodies received, as sent, by route and encoding")
                    .baseUnit("bytes")
                    .tag("route", route)
                    .tag("encoding", encoding)
                    .register(registry))
        .increment(bytes);
  }

  @Override
  public void refreshDeferred(String route) {
    Counter.builder("cachegate.refreshes.deferred")
        .description("Background refreshes not made to leave the rate budget to requests")
        .tag("route", route)
        .register(registry)
        .increment();
  }

  /** Registers the route's budget series at zero and its calls left, as last known. */
  public void registerBudget(String route, RateBudget budget) {
    Gauge.builder("cachegate.upstream.budget.remaining", budget, b -> b.status().remaining())
        .description("Calls left in the route's upstream rate budget, as last known (-1: none yet)")
        .tag("route", route)
        .register(registry);
    Counter.builder("cachegate.upstream.budget.refused")
        .description("Upstream calls the route's rate budget refused to requests, by route")
        .tag("route", route)
        .register(registry);
    Counter.builder("cachegate.refreshes.deferred")
        .description("Background refreshes not made to leave the rate budget to requests")
        .tag("route", route)
        .register(registry);
  }

  @Override
  public void storeFull(String tier) {
    Counter.builder(WRITES_REFUSED)
        .description("Writes a store refused, by tier and reason")
        .tag("tier", tier)
        .tag("reason", "full")
        .register(registry)
        .increment();
  }

  /**
   * Totals since start for the dashboard: requests by outcome, upstream calls, calls saved and
   * coalesced waiters, over all routes.
   */
  public Map<String, Object> totals() {
    Map<String, Long> requests = new LinkedHashMap<>();
    for (String outcome : OUTCOMES) {
      requests.put(outcome, sum(Search.in(registry).name(REQUESTS).tag("outcome", outcome)));
    }
    Map<String, Object> totals = new LinkedHashMap<>();
    totals.put("requests", requests);
    totals.put(
        "upstreamCalls",
        Search.in(registry).name(UPSTREAM).timers().stream().mapToLong(Timer::count).sum());
    totals.put("upstreamCallsSaved", sum(Search.in(registry).name(SAVED)));
    totals.put("coalesced", sum(Search.in(registry).name(COALESCED)));
    return totals;
  }

  private static long sum(Search search) {
    return (long) search.counters().stream().mapToDouble(Counter::count).sum();
  }

  private Counter requests(String route, String outcome) {
    return Counter.builder(REQUESTS)
        .description("Requests answered, by route and cache outcome")
        .tag("route", route)
        .tag("outcome", outcome)
        .register(registry);
  }
}
