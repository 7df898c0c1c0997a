package cachegate;

import cachegate.config.RouteConfig;
import cachegate.config.UpstreamConfig;
import cachegate.engine.CacheEngine;
import cachegate.engine.FetchLease;
import cachegate.engine.GuardedUpstream;
import cachegate.engine.RateBudget;
import cachegate.engine.RateHeaders;
import cachegate.engine.RateLimit;
import cachegate.engine.ResponseStore;
import cachegate.engine.Route;
import cachegate.engine.Scheduler;
import cachegate.http.ServedRoute;
import cachegate.http.UpstreamProbe;
import cachegate.metrics.MicrometerCacheMetrics;
import cachegate.upstream.ByteBudget;
import cachegate.upstream.HttpUpstream;
import io.vertx.core.Vertx;
import java.time.InstantSource;
import java.util.concurrent.ThreadLocalRandom;

/**
 * What every route's upstream client and engine share, and how one route is wired from them: its
 * upstream client, the guard in front of it (concurrency limit, queue, circuit breaker) and its
 * engine. Only {@link CacheGateApp} uses it.
 */
record Wiring(
    Vertx vertx,
    InstantSource clock,
    MicrometerCacheMetrics metrics,
    ResponseStore store,
    FetchLease lease,
    Scheduler waits,
    ByteBudget upstreamMemory,
    RateBudgets budgets) {

  /** Makes the rate budget of a route with a limit: shared through Redis, or this process's. */
  interface RateBudgets {
    RateBudget of(String route, RateLimit limit);
  }

  HttpUpstream upstream(RouteConfig routeConfig, long maxBodyBytes) {
    Route route = routeConfig.route();
    metrics.register(route.name());
    return new HttpUpstream(
        vertx,
        routeConfig.upstream(),
        route.upstream(),
        route.name(),
        routeConfig.policy().maxEntryBytes(),
        maxBodyBytes,
        upstreamMemory,
        metrics);
  }

  private RateBudget budget(String route, RateLimit limit, HttpUpstream upstream) {
    if (!limit.isLimited()) {
      return RateBudget.none();
    }
    RateBudget budget = budgets.of(route, limit);
    metrics.registerBudget(route, budget);
    upstream.reportRateHeadersTo(RateHeaders.learner(budget, clock));
    return budget;
  }

  /** The route served by its engine, in front of {@code upstream} behind its own guard. */
  ServedRoute served(RouteConfig routeConfig, HttpUpstream upstream) {
    Route route = routeConfig.route();
    UpstreamConfig calls = routeConfig.upstream();
    GuardedUpstream guarded =
        new GuardedUpstream(
            upstream,
            route.upstream().origin(),
            route.name(),
            calls.maxConcurrency(),
            calls.maxQueue(),
            calls.timeout(),
            clock,
            metrics,
            budget(route.name(), calls.rateLimit(), upstream));
    CacheEngine engine =
        new CacheEngine(
            store,
            guarded,
            lease,
            routeConfig.policy(),
            clock,
            // Each thread's own generator: ThreadLocalRandom.current() must not be shared.
            () -> ThreadLocalRandom.current().nextLong(),
            calls.timeout(),
            waits,
            metrics);
    return new ServedRoute(
        route,
        routeConfig.policy(),
        engine,
        new UpstreamProbe(
            route.upstream().toString(),
            () -> guarded.breakerState().name(),
            guarded::inFlight,
            () -> guarded.budget().status()));
  }
}
