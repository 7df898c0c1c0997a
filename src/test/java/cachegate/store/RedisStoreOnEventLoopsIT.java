package cachegate.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import cachegate.engine.CacheKey;
import cachegate.engine.CachePolicy;
import cachegate.engine.CircuitBreaker;
import cachegate.engine.FetchLease;
import cachegate.engine.StoreException;
import cachegate.support.RedisServer;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The store contract for a store whose connections run on the caller's event loops (as cachegate
 * runs it, on Vert.x's), plus what that arrangement promises: a command sent from a loop is
 * answered on that loop, and closing the store leaves the loops to their owner.
 */
class RedisStoreOnEventLoopsIT extends ResponseStoreContract<RedisStore> {
  private static RedisServer server;
  private static EventLoopGroup loops;
  private RedisStore store;
  private RedisStore other;

  @BeforeAll
  static void start() {
    server = RedisServer.start();
    loops = new MultiThreadIoEventLoopGroup(2, NioIoHandler.newFactory());
  }

  @AfterAll
  static void stop() {
    loops.shutdownGracefully(0, 1, TimeUnit.SECONDS);
    server.close();
  }

  @BeforeEach
  void newStore() {
    server.sync().flushall();
    store = server.store(loops);
  }

  @AfterEach
  void closeStore() {
    store.close();
    if (other != null) {
      other.close();
    }
  }

  @Override
  RedisStore store() {
    return store;
  }

  @Override
  FetchLease leaseBeside(RedisStore store) {
    return new RedisLease(store);
  }

  @Override
  Optional<FetchLease> otherInstancesLease(RedisStore store) {
    other = server.store(loops);
    return Optional.of(new RedisLease(other));
  }

  @Test
  void aLookupSentFromAnEventLoopIsAnsweredOnThatLoopEvenTheFirstTime() {
    RedisLease lease = new RedisLease(store);
    server.sync().scriptFlush();
    for (int i = 0; i < 2; i++) {
      EventLoop loop = loops.next();
      CompletableFuture<Boolean> answeredOnLoop = new CompletableFuture<>();

      loop.execute(
          () ->
              store
                  .lookup(key("germany"), lease, java.time.Duration.ofSeconds(2))
                  .whenComplete((found, failure) -> answeredOnLoop.complete(loop.inEventLoop())));

      assertThat(answeredOnLoop.join()).isTrue();
    }
  }

  @Test
  void aCommandSentFromAnEventLoopIsAnsweredOnThatLoop() {
    store.put(key("germany"), entry("[\"de\"]"), RETENTION).join();
    for (int i = 0; i < 2; i++) {
      EventLoop loop = loops.next();
      CompletableFuture<Boolean> answeredOnLoop = new CompletableFuture<>();

      loop.execute(
          () ->
              store
                  .get(key("germany"))
                  .whenComplete((found, failure) -> answeredOnLoop.complete(loop.inEventLoop())));

      assertThat(answeredOnLoop).succeedsWithin(Duration.ofSeconds(5)).isEqualTo(true);
    }
  }

  @Test
  void aStoreMadeWhileRedisIsDownConnectsEveryLoopOnceRedisIsUpWithoutACommandAsking()
      throws Exception {
    int port;
    try (ServerSocket probe = new ServerSocket(0)) {
      port = probe.getLocalPort();
    }
    RedisStore early = RedisServer.storeFor(port, loops);
    try (RedisServer late = RedisServer.startOn(port)) {
      await()
          .atMost(Duration.ofSeconds(10))
          .untilAsserted(
              () ->
                  assertThat(late.sync().clientList().lines().count())
                      .as("the test's own connection and one per loop")
                      .isEqualTo(3));
    } finally {
      early.close();
    }
  }

  @Test
  void closingTheStoreLeavesTheEventLoopsRunning() {
    store.put(key("germany"), entry("[\"de\"]"), RETENTION).join();

    store.close();

    assertThat(loops.isShuttingDown()).isFalse();
    assertThat(loops.submit(() -> "still running")).succeedsWithin(Duration.ofSeconds(5));
  }

  @Test
  void aValueLargerThanAnyEntryCanBeIsAMissReadNoFurtherThanThat() {
    CacheKey key = key("huge");
    server.sync().set(key.redisKey(), "x".repeat(6 * 1024 * 1024));

    CompletableFuture<?> read = store.get(key);

    assertThat(read)
        .failsWithin(Duration.ofSeconds(5))
        .withThrowableOfType(java.util.concurrent.ExecutionException.class)
        .withCauseInstanceOf(StoreException.class)
        .withMessageContaining("more than " + (CachePolicy.DEFAULT_MAX_ENTRY_BYTES + 64 * 1024));
    assertThat(store.breakerState()).isEqualTo(CircuitBreaker.State.CLOSED);
  }
}
