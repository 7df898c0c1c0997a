package cachegate.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import cachegate.engine.ManualClock;
import cachegate.support.GatewayUnderTest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/**
 * A miss makes one Redis command before its upstream call: the lookup that reads the entry and,
 * finding none, takes the fetch lease in the same step (issue 15). Commands are counted by Redis
 * itself ({@code INFO commandstats}, which counts a script's own commands too) at the moment the
 * upstream receives the request.
 */
class Issue15MissRoundTripsIT extends RedisAndUpstream {
  /** What the test itself, or a health probe, sends: not part of a miss. */
  private static final Set<String> NOT_A_MISS =
      Set.of(
          "info",
          "config|resetstat",
          "ping",
          "keys",
          "client|setinfo",
          "hello",
          "publish",
          "subscribe",
          "select",
          "command",
          "client|setname");

  @Test
  void aColdKeyMakesOneRedisCommandBeforeTheUpstreamCall() {
    GatewayUnderTest gateway = gateway(new ManualClock());
    gateway.get("/universities?country=France");
    await().atMost(Duration.ofSeconds(5)).until(() -> redis.keys("*:lease:*").isEmpty());
    upstream.slow(Duration.ofMillis(400));
    int before = upstream.requests();
    redis.configResetstat();

    CompletableFuture<HttpResponse<String>> germany =
        gateway.getAsync("/universities?country=Germany");
    await().atMost(Duration.ofSeconds(5)).until(() -> upstream.requests() == before + 1);
    Map<String, Long> sent = commandsSent();

    // One command sent (EVALSHA); Redis also counts the two its script ran: the read, the lease.
    assertThat(sent).isEqualTo(Map.of("evalsha", 1L, "getrange", 1L, "set", 1L));
    HttpResponse<String> answer = germany.join();
    assertThat(answer.statusCode()).isEqualTo(200);
    assertThat(answer.headers().firstValue("X-Cache")).hasValue("MISS");
    assertThat(upstream.requests()).isEqualTo(before + 1);
  }

  @Test
  void aKeyStoredInRedisOnlyIsServedWithOneRedisCommandAndNoLease() {
    GatewayUnderTest writer = gateway(new ManualClock());
    GatewayUnderTest reader = gateway(new ManualClock());
    writer.get("/universities?country=Germany");
    await().atMost(Duration.ofSeconds(5)).until(() -> redis.keys("*:lease:*").isEmpty());
    reader.get("/universities?country=France");
    await().atMost(Duration.ofSeconds(5)).until(() -> redis.keys("*:lease:*").isEmpty());
    redis.configResetstat();

    HttpResponse<String> answer = reader.get("/universities?country=Germany");

    assertThat(answer.headers().firstValue("X-Cache")).hasValue("HIT");
    // One command sent; its script read the entry and, finding it, left the lease alone.
    assertThat(commandsSent()).isEqualTo(Map.of("evalsha", 1L, "getrange", 1L));
    assertThat(upstream.requests()).isEqualTo(2);
  }

  /** Calls per command since the last reset, without what is not part of serving a request. */
  private static Map<String, Long> commandsSent() {
    Map<String, Long> calls = new TreeMap<>();
    for (String line : redis.info("commandstats").split("\r?\n")) {
      if (!line.startsWith("cmdstat_")) {
        continue;
      }
      String name = line.substring("cmdstat_".length(), line.indexOf(':'));
      long count = Long.parseLong(line.replaceAll("^[^:]*:calls=(\\d+),.*", "$1"));
      if (count > 0 && !NOT_A_MISS.contains(name)) {
        calls.put(name, count);
      }
    }
    return calls;
  }
}
