package cachegate.store;

import static org.assertj.core.api.Assertions.assertThat;

import cachegate.engine.RateBudget;
import cachegate.engine.RateBudget.Priority;
import cachegate.engine.RateBudgetContract;
import cachegate.support.RedisServer;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The shared budget against a real Redis: two instances, each with its own connection. */
class RedisRateBudgetContractIT extends RateBudgetContract {
  private static RedisServer server;
  private final List<RedisStore> stores = new ArrayList<>();
  private RedisRateBudget budget;
  private RedisRateBudget peer;

  @BeforeAll
  static void startRedis() {
    server = RedisServer.start();
  }

  @AfterAll
  static void stopRedis() {
    server.close();
  }

  @BeforeEach
  void twoInstances() {
    server.sync().flushall();
    budget = instance();
    peer = instance();
  }

  @AfterEach
  void close() {
    stores.forEach(RedisStore::close);
  }

  private RedisRateBudget instance() {
    RedisStore store = server.store();
    stores.add(store);
    return new RedisRateBudget(store, "test", "universities", LIMIT, Clock.systemUTC());
  }

  @Override
  protected RateBudget budget() {
    return budget;
  }

  @Override
  protected RateBudget peer() {
    return peer;
  }

  @Test
  void keysShareTheRoutesHashTagUnderTheNamespaceAndExpire() {
    budget.take(Priority.REQUEST).join();

    assertThat(server.sync().keys("*"))
        .containsExactlyInAnyOrder(
            "test:v2:rate:{universities}:calls", "test:v2:rate:{universities}:instances");
    assertThat(server.sync().pttl("test:v2:rate:{universities}:calls")).isPositive();
  }

  @Test
  void eachInstanceLearnsHowManyShareTheBudget() {
    budget.take(Priority.REQUEST).join();
    peer.take(Priority.REQUEST).join();
    budget.take(Priority.REQUEST).join();

    assertThat(budget.instances()).isEqualTo(2);
  }

  @Test
  void withoutRedisEachInstanceSpendsItsShareOfTheLimitAmongThoseItLastSaw() {
    budget.take(Priority.REQUEST).join();
    peer.take(Priority.REQUEST).join();
    budget.take(Priority.REQUEST).join();
    server.pause();
    try {
      int allowed = 0;
      for (int i = 0; i < LIMIT.calls(); i++) {
        allowed += budget.take(Priority.REQUEST).join().allowed() ? 1 : 0;
      }

      assertThat(allowed).isEqualTo(LIMIT.calls() / 2);
    } finally {
      server.resume();
    }
  }
}
