package cachegate.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import cachegate.engine.RecordedSpans.Recorded;
import cachegate.store.MemoryStore;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

class CacheEngineTracingTest {
  private static final CachePolicy POLICY =
      new CachePolicy(
          Duration.ofSeconds(30),
          Duration.ofSeconds(60),
          Duration.ofHours(1),
          0,
          CachePolicy.DEFAULT_MAX_ENTRY_BYTES);
  private static final CacheKey GERMANY =
      new CacheKey("t", "universities", Map.of("country", "germany"));
  private static final Duration WAIT = Duration.ofSeconds(5);

  private final ManualClock clock = new ManualClock();
  private final CountingUpstream counting = new CountingUpstream();
  private final List<String> traceparents = new CopyOnWriteArrayList<>();
  private final MemoryStore memory = new MemoryStore(1 << 20, clock);
  private final RecordedSpans spans = new RecordedSpans();

  /** The upstream as HttpUpstream treats the span: it sends the span's traceparent along. */
  private final Upstream upstream =
      new Upstream() {
        @Override
        public CompletableFuture<UpstreamResponse> fetch(CacheKey key, Validators validators) {
          return counting.fetch(key, validators);
        }

        @Override
        public CompletableFuture<UpstreamResponse> fetch(
            CacheKey key, Validators validators, Span span) {
          span.propagate((name, value) -> traceparents.add(name + ": " + value));
          return counting.fetch(key, validators);
        }
      };

  private final CacheEngine engine =
      new CacheEngine(
          memory,
          upstream,
          FetchLease.local(memory),
          POLICY,
          clock,
          FixedRandom.of(0),
          Duration.ofSeconds(10));

  @Test
  void aMissRecordsTheLookupLeaseUpstreamCallAndStoreWriteUnderTheRequest() {
    Recorded request = spans.request("GET /universities");

    engine.get(GERMANY, request).join();

    await().atMost(WAIT).until(() -> spans.all().stream().allMatch(s -> s == request || s.ended));
    Recorded lookup = spans.only("cachegate.lookup", request);
    Recorded lease = spans.only("cachegate.lease", request);
    Recorded call = spans.only("GET", request);
    Recorded write = spans.only("cachegate.store.write", request);
    assertThat(spans.all()).hasSize(5);
    assertThat(lookup.attributes)
        .containsEntry("cachegate.found", false)
        .containsEntry("cachegate.tier", "local");
    assertThat(lease.attributes).containsEntry("cachegate.lease.result", "taken");
    assertThat(call.kind).isEqualTo(Span.Kind.CLIENT);
    assertThat(write.attributes).containsEntry("cachegate.stored", true);
    assertThat(request.attributes)
        .containsEntry("cachegate.outcome", "MISS")
        .containsEntry("cachegate.route", "universities")
        .containsEntry("cachegate.key", GERMANY.redisKey())
        .containsEntry("cachegate.tier", "upstream");
    assertThat(traceparents)
        .containsExactly("traceparent: 00-" + request.traceId + "-" + call.spanId + "-01");
    assertThat(request.links).isEmpty();
  }

  @Test
  void aHitLinksToTheUpstreamCallThatFetchedItsEntry() {
    Recorded fetching = spans.request("GET /universities");
    engine.get(GERMANY, fetching).join();
    await().atMost(WAIT).until(() -> memory.get(GERMANY).join().isPresent());
    Recorded call = spans.only("GET", fetching);

    Recorded hit = spans.request("GET /universities");
    engine.get(GERMANY, hit).join();

    assertThat(hit.attributes)
        .containsEntry("cachegate.outcome", "HIT")
        .containsEntry("cachegate.tier", "local");
    assertThat(hit.links).containsExactly(new TraceLink(fetching.traceId, call.spanId));
    assertThat(spans.all().stream().filter(s -> s.parent.equals(Optional.of(hit))))
        .extracting(s -> s.name)
        .containsExactly("cachegate.lookup");
    assertThat(counting.calls()).isEqualTo(1);
  }

  @Test
  void aFailedUpstreamCallMarksItsSpanAndTheRequestFailed() {
    counting.failWith(UpstreamException.badStatus("GET http://upstream/search", 500));
    Recorded request = spans.request("GET /universities");

    Throwable failure = engine.get(GERMANY, request).handle((a, f) -> f).join();

    assertThat(failure).isNotNull();
    assertThat(spans.only("GET", request).failed).isTrue();
    assertThat(spans.only("GET", request).ended).isTrue();
    assertThat(request.failed).isTrue();
  }

  @Test
  void aStaleHitRecordsItsBackgroundRefreshUnderTheRequest() {
    engine.get(GERMANY, Span.none()).join();
    await().atMost(WAIT).until(() -> memory.get(GERMANY).join().isPresent());
    clock.advance(Duration.ofSeconds(31));
    Recorded request = spans.request("GET /universities");

    engine.get(GERMANY, request).join();

    await().atMost(WAIT).until(() -> counting.calls() == 2);
    Recorded refresh = spans.only("cachegate.refresh", request);
    await().atMost(WAIT).until(() -> refresh.ended);
    assertThat(request.attributes).containsEntry("cachegate.outcome", "STALE");
    assertThat(spans.only("GET", refresh).kind).isEqualTo(Span.Kind.CLIENT);
    assertThat(spans.only("cachegate.lease", refresh).ended).isTrue();
  }
}
