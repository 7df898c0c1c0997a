package cachegate.support;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Concurrent clients that keep asking cachegate for universities until closed, each starting at
 * another country, spread over the gateways in turn. Every status they see is kept, in order.
 */
public final class ClientLoad implements AutoCloseable {
  private final List<Integer> statuses = new CopyOnWriteArrayList<>();
  private final AtomicBoolean running = new AtomicBoolean(true);
  private final List<CompletableFuture<Void>> clients = new ArrayList<>();

  private ClientLoad(List<GatewayUnderTest> gateways, List<String> countries, int clients) {
    for (int client = 0; client < clients; client++) {
      int offset = client;
      GatewayUnderTest gateway = gateways.get(client % gateways.size());
      this.clients.add(
          CompletableFuture.runAsync(
              () -> {
                for (int i = offset; running.get(); i++) {
                  String country = countries.get(i % countries.size());
                  statuses.add(gateway.get("/universities?country=" + country).statusCode());
                }
              }));
    }
  }

  /** Starts {@code clients} clients on {@code gateways}, asking for {@code countries}. */
  public static ClientLoad start(
      List<GatewayUnderTest> gateways, List<String> countries, int clients) {
    return new ClientLoad(gateways, countries, clients);
  }

  /** The statuses seen so far (a live view). */
  public List<Integer> statuses() {
    return statuses;
  }

  /** Stops the clients and waits for their last answers. */
  @Override
  public void close() {
    running.set(false);
    CompletableFuture.allOf(clients.toArray(CompletableFuture[]::new)).join();
  }
}
