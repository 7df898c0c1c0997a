package cachegate.http;

import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;

/**
 * How {@code /health} reaches Redis, without the HTTP layer knowing the Redis client.
 *
 * @param location the connection, password masked
 * @param ping completes with whether Redis answered, never exceptionally
 * @param circuit the state of the circuit breaker in front of Redis
 */
public record RedisProbe(
    String location, Supplier<CompletableFuture<Boolean>> ping, Supplier<String> circuit) {}
