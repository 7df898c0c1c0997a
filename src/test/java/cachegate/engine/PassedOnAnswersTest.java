package cachegate.engine;

import static org.assertj.core.api.Assertions.assertThat;

import cachegate.store.MemoryStore;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/**
 * Upstream answers too large to keep are passed on to the request that fetched them and never
 * stored; whole answers give their memory back once stored or dropped.
 */
class PassedOnAnswersTest {
  private static final CachePolicy POLICY = CachePolicy.ofTtl(Duration.ofSeconds(30));
  private static final CacheKey GERMANY =
      new CacheKey("t", "universities", Map.of("country", "germany"));

  private final ManualClock clock = new ManualClock();
  private final CountingUpstream upstream = new CountingUpstream();
  private final MemoryStore memory = new MemoryStore(1 << 20, clock);
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
  void anAnswerTooLargeToKeepGoesToTheRequestThatFetchedItAndIsNeverStored() {
    upstream.passOn();

    Answer first = engine.get(GERMANY).join();
    Answer second = engine.get(GERMANY).join();

    assertThat(first).isInstanceOf(PassThrough.class);
    PassThrough passed = (PassThrough) first;
    assertThat(passed.outcome()).isEqualTo(CacheOutcome.MISS);
    assertThat(passed.status()).isEqualTo(200);
    assertThat(passed.body().reason()).isEqualTo(UpstreamBody.NotKept.TOO_LARGE);
    assertThat(FakeStream.read(passed.body().chunks()))
        .isEqualTo(CountingUpstream.body(GERMANY, 1));
    assertThat(memory.get(GERMANY).join()).isEmpty();
    assertThat(second).isInstanceOf(PassThrough.class);
    assertThat(upstream.calls()).isEqualTo(2);
  }

  @Test
  void requestsThatJoinedAFetchWhoseAnswerIsPassedOnEachFetchTheirOwn() {
    upstream.passOn();
    CompletableFuture<Void> held = upstream.holdAnswers();
    List<CompletableFuture<Answer>> answers =
        IntStream.range(0, 5).mapToObj(i -> engine.get(GERMANY)).toList();

    held.complete(null);

    List<byte[]> bodies =
        answers.stream()
            .map(CompletableFuture::join)
            .map(answer -> FakeStream.read(((PassThrough) answer).body().chunks()))
            .toList();
    assertThat(upstream.calls()).isEqualTo(5);
    assertThat(bodies)
        .extracting(String::new)
        .containsExactlyInAnyOrder(
            IntStream.rangeClosed(1, 5)
                .mapToObj(call -> new String(CountingUpstream.body(GERMANY, call)))
                .toArray(String[]::new));
    assertThat(upstream.streams()).allSatisfy(stream -> assertThat(stream.completed()).isTrue());
  }

  @Test
  void aBackgroundRefreshThatMeetsAnAnswerTooLargeToKeepDropsItAndKeepsTheEntry() {
    engine.get(GERMANY).join();
    CachedResponse stored = memory.get(GERMANY).join().orElseThrow();
    clock.advance(Duration.ofSeconds(31));
    upstream.passOn();

    Answer stale = engine.get(GERMANY).join();

    assertThat(stale.outcome()).isEqualTo(CacheOutcome.STALE);
    assertThat(upstream.calls()).isEqualTo(2);
    assertThat(upstream.streams())
        .singleElement()
        .satisfies(s -> assertThat(s.cancelled()).isTrue());
    assertThat(memory.get(GERMANY).join()).contains(stored);
  }

  @Test
  void aWholeAnswerGivesItsMemoryBackOnceItIsStored() {
    Answer answer = engine.get(GERMANY).join();

    assertThat(answer).isInstanceOf(CacheResult.class);
    assertThat(memory.get(GERMANY).join()).isPresent();
    assertThat(upstream.released()).isEqualTo(1);
  }

  @Test
  void aWholeAnswerThatIsNotStoredGivesItsMemoryBackToo() {
    cachegate.store.NullStore none = new cachegate.store.NullStore();
    CacheEngine withoutStore =
        new CacheEngine(
            none,
            upstream,
            FetchLease.local(none),
            POLICY,
            clock,
            FixedRandom.of(0),
            Duration.ofSeconds(10));

    withoutStore.get(GERMANY).join();
    withoutStore.get(GERMANY).join();

    assertThat(upstream.released()).isEqualTo(2);
  }
}
