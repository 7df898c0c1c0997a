package cachegate.http;

import cachegate.engine.RateBudget;
import io.vertx.core.json.JsonObject;
import java.util.Optional;
import java.util.function.IntSupplier;
import java.util.function.Supplier;

/**
 * How {@code /health} and the admin API report the upstream, without the HTTP layer knowing how it
 * is guarded.
 *
 * @param url the upstream's base URL
 * @param circuit the state of its circuit breaker
 * @param inFlight how many requests to it are in flight
 * @param budget its rate budget as last known
 */
public record UpstreamProbe(
    String url,
    Supplier<String> circuit,
    IntSupplier inFlight,
    Supplier<RateBudget.Status> budget) {
  /** An upstream without a rate budget. */
  public UpstreamProbe(String url, Supplier<String> circuit, IntSupplier inFlight) {
    this(url, circuit, inFlight, RateBudget.none()::status);
  }

  /** Its rate budget as {@code /health} and the admin API show it; empty when it has none. */
  Optional<JsonObject> budgetState() {
    RateBudget.Status state = budget.get();
    if (!state.limit().isLimited()) {
      return Optional.empty();
    }
    return Optional.of(
        new JsonObject()
            .put("limit", state.limit().toString())
            .put("remaining", state.remaining())
            .put("pausedForMs", state.pausedFor().toMillis()));
  }
}
