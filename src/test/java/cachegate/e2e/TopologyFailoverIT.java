package cachegate.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import cachegate.support.ClientLoad;
import cachegate.support.FakeUniversitiesApi;
import cachegate.support.GatewayUnderTest;
import cachegate.support.Opened;
import cachegate.support.RedisCluster;
import cachegate.support.RedisSentinels;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A Redis master dies under load, in a cluster and behind sentinels, while two cachegate instances
 * share it: every request is answered, entries are written to Redis again once a replica has taken
 * over, and a cold key is still fetched once across both instances.
 */
class TopologyFailoverIT {
  private static final List<String> COUNTRIES =
      List.of("Germany", "France", "Japan", "Turkey", "United+States", "Italy", "Spain");

  private final Opened opened = new Opened();
  private final AtomicInteger attempts = new AtomicInteger();
  private FakeUniversitiesApi upstream;

  @BeforeEach
  void startUpstream() {
    upstream = FakeUniversitiesApi.start();
    opened.add(upstream);
  }

  @AfterEach
  void stopAll() throws Exception {
    opened.closeAll();
  }

  @Test
  void clusterMasterKilledUnderLoadFailsNoRequestAndCoalescingHoldsAfterFailover() {
    RedisCluster cluster = opened.add(RedisCluster.start());
    List<GatewayUnderTest> gateways =
        twoGateways(
            Map.of("CACHE_TYPE", "RedisClusterCache", "CACHE_REDIS_CLUSTER", cluster.seeds()));
    warm(gateways);

    List<Integer> statuses =
        underLoad(gateways, () -> cluster.killMasterOf(redisKey("country=germany")));
    int promoted = cluster.masterOf(redisKey("country=germany"));

    assertThat(statuses).isNotEmpty().containsOnly(200);
    String cold = keyServedBy(query -> cluster.masterOf(redisKey(query)) == promoted);
    gateways.forEach(
        gateway ->
            awaitWrittenAgain(
                gateway, cluster::keys, query -> cluster.masterOf(redisKey(query)) == promoted));
    assertOneUpstreamCallFor(cold, gateways);
    assertThat(cluster.keys("*")).contains(redisKey(cold));
  }

  @Test
  void sentinelMasterKilledUnderLoadFailsNoRequestAndWritesReachTheNewMaster() {
    RedisSentinels sentinels = opened.add(RedisSentinels.start());
    List<GatewayUnderTest> gateways =
        twoGateways(
            Map.of(
                "CACHE_TYPE",
                "RedisSentinelCache",
                "CACHE_REDIS_SENTINELS",
                sentinels.sentinelList(),
                "CACHE_REDIS_SENTINEL_MASTER",
                RedisSentinels.MASTER_NAME));
    warm(gateways);

    List<Integer> statuses = underLoad(gateways, sentinels::killMaster);

    assertThat(statuses).isNotEmpty().containsOnly(200);
    gateways.forEach(gateway -> awaitWrittenAgain(gateway, sentinels::keys, query -> true));
    String cold = "country=japan&offset=1000";
    assertOneUpstreamCallFor(cold, gateways);
    assertThat(sentinels.keys("*")).contains(redisKey(cold));
  }

  /** A cold query whose key lies on the master chosen by {@code onMaster}. */
  private static String keyServedBy(java.util.function.Predicate<String> onMaster) {
    return IntStream.range(2_000, 3_000)
        .mapToObj(i -> "country=japan&offset=" + i)
        .filter(onMaster)
        .findFirst()
        .orElseThrow();
  }

  /**
   * Keeps asking {@code gateway} for new keys on the chosen master, eight at once, until all eight
   * are found there: concurrent requests arrive on several connections, so every event loop's own
   * Redis connection has found the new master, not only the one a single client connection uses.
   */
  private void awaitWrittenAgain(
      GatewayUnderTest gateway,
      java.util.function.Function<String, List<String>> keys,
      java.util.function.Predicate<String> onMaster) {
    await()
        .atMost(Duration.ofSeconds(20))
        .pollInterval(Duration.ofMillis(200))
        .ignoreExceptions()
        .untilAsserted(
            () -> {
              List<String> queries =
                  IntStream.iterate(attempts.incrementAndGet(), n -> attempts.incrementAndGet())
                      .mapToObj(n -> "country=turkey&offset=" + n)
                      .filter(onMaster)
                      .limit(8)
                      .toList();
              List<CompletableFuture<HttpResponse<String>>> answers =
                  queries.stream()
                      .map(query -> gateway.getAsync("/universities?" + query))
                      .toList();
              assertThat(answers)
                  .allSatisfy(answer -> assertThat(answer.join().statusCode()).isEqualTo(200));
              assertThat(keys.apply("*"))
                  .containsAll(queries.stream().map(TopologyFailoverIT::redisKey).toList());
            });
  }

  /** 40 concurrent requests for a cold key, half on each instance: one upstream call. */
  private void assertOneUpstreamCallFor(String query, List<GatewayUnderTest> gateways) {
    upstream.reset();
    upstream.slow(Duration.ofMillis(300));

    List<CompletableFuture<HttpResponse<String>>> pending =
        IntStream.range(0, 40)
            .mapToObj(i -> gateways.get(i % 2).getAsync("/universities?" + query))
            .toList();
    List<HttpResponse<String>> answers = pending.stream().map(CompletableFuture::join).toList();

    assertThat(answers).allSatisfy(answer -> assertThat(answer.statusCode()).isEqualTo(200));
    assertThat(answers.stream().map(HttpResponse::body).distinct()).hasSize(1);
    assertThat(upstream.requests()).isEqualTo(1);
  }

  private List<GatewayUnderTest> twoGateways(Map<String, String> topology) {
    List<GatewayUnderTest> gateways = new ArrayList<>();
    for (int i = 0; i < 2; i++) {
      Map<String, String> env = new HashMap<>(topology);
      env.put("CACHE_REDIS_TIMEOUT", "1s");
      env.put("UNIVERSITIES_API_URL", upstream.url());
      env.put("UPSTREAM_TIMEOUT", "5");
      env.put("CACHE_TTL_JITTER", "0");
      GatewayUnderTest gateway = GatewayUnderTest.start(env, InstantSource.system());
      opened.add(gateway);
      gateways.add(gateway);
    }
    return gateways;
  }

  private static void warm(List<GatewayUnderTest> gateways) {
    COUNTRIES.forEach(
        country ->
            gateways.forEach(
                gateway ->
                    assertThat(gateway.get("/universities?country=" + country).statusCode())
                        .isEqualTo(200)));
  }

  /**
   * 8 clients per instance loop over the warm countries; once 100 answers have come, {@code fault}
   * runs (and returns once the topology has recovered), then the clients go on for another 100
   * answers. Returns every status seen.
   */
  private static List<Integer> underLoad(List<GatewayUnderTest> gateways, Supplier<?> fault) {
    ClientLoad load = ClientLoad.start(gateways, COUNTRIES, 16);
    try (load) {
      await().atMost(Duration.ofSeconds(30)).until(() -> load.statuses().size() >= 100);
      fault.get();
      int after = load.statuses().size();
      await().atMost(Duration.ofSeconds(30)).until(() -> load.statuses().size() >= after + 100);
    }
    return load.statuses();
  }

  private static String redisKey(String query) {
    return "cachegate:v2:{universities:" + query + "}";
  }
}
