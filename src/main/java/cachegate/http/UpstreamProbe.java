package cachegate.http;

import java.util.function.IntSupplier;
import java.util.function.Supplier;

/**
 * How {@code /health} reports the upstream, without the HTTP layer knowing how it is guarded.
 *
 * @param url the upstream's base URL
 * @param circuit the state of its circuit breaker
 * @param inFlight how many requests to it are in flight
 */
public record UpstreamProbe(String url, Supplier<String> circuit, IntSupplier inFlight) {}
