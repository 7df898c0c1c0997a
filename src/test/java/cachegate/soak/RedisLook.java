package cachegate.soak;

import io.lettuce.core.RedisClient;
import io.lettuce.core.ScanArgs;
import io.lettuce.core.ScanIterator;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import java.time.Duration;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;

/**
 * Looks into the soak's own Redis (SCAN, never KEYS): how many entries it holds, and which fetch
 * leases with how long to live. A lease still there seconds later, its time to live run down, was
 * not released: with a 50 ms upstream a fetch takes milliseconds, unless it waited behind slow
 * ones.
 */
final class RedisLook implements AutoCloseable {
  private final RedisClient client;

  /** Connects to {@code url} afresh for each look, so a restarted server is seen too. */
  RedisLook(String url) {
    this.client = RedisClient.create(url);
  }

  /**
   * What Redis held at one moment.
   *
   * @param leases each fetch lease with its PTTL in milliseconds
   */
  record Snapshot(int entries, Map<String, Long> leases) {
    Snapshot {
      leases = Map.copyOf(leases);
    }

    /** The leases of {@code earlier} still here, with less time to live: nobody released them. */
    Map<String, Long> lingeringSince(Snapshot earlier) {
      return leases.entrySet().stream()
          .filter(lease -> earlier.leases().containsKey(lease.getKey()))
          .filter(lease -> lease.getValue() < earlier.leases().get(lease.getKey()))
          .collect(Collectors.toMap(Map.Entry::getKey, Map.Entry::getValue));
    }

    @Override
    public String toString() {
      return entries + " entries, " + leases.size() + " fetch leases " + describe(leases);
    }
  }

  static String describe(Map<String, Long> leases) {
    return new TreeMap<>(leases)
        .entrySet().stream()
            .map(lease -> lease.getKey() + " PTTL " + lease.getValue() + " ms")
            .collect(Collectors.joining(", ", "[", "]"));
  }

  /** A snapshot, or a runtime exception when Redis does not answer within a second. */
  Snapshot look() {
    try (StatefulRedisConnection<String, String> connection = client.connect()) {
      connection.setTimeout(Duration.ofSeconds(1));
      RedisCommands<String, String> commands = connection.sync();
      int entries = 0;
      Map<String, Long> leases = new TreeMap<>();
      ScanIterator<String> keys = ScanIterator.scan(commands, ScanArgs.Builder.limit(1_000));
      while (keys.hasNext()) {
        String key = keys.next();
        if (!key.contains(":lease:")) {
          entries++;
          continue;
        }
        long pttl = commands.pttl(key);
        if (pttl >= 0) {
          leases.put(key, pttl);
        }
      }
      return new Snapshot(entries, leases);
    }
  }

  @Override
  public void close() {
    client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
  }
}
