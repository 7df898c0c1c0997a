package cachegate.engine;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * An upstream that answers {@code ["<redisKey>",<call number>]}, so that every call gives a
 * different body, or fails when told, and counts calls. It answers at once, or, after {@link
 * #holdAnswers()}, only when the test completes the returned future, so that concurrency is
 * deterministic. After {@link #passOn()} its bodies are passed on as they arrive ({@link
 * FakeStream}), as if too large to keep; whole bodies count how often their memory is given back.
 * It can answer with another status ({@link #answerStatus}), send validators ({@link
 * #sendValidators}) and answer {@code 304} to a request that sends them back ({@link
 * #answerNotModified}); it records the validators each call sent.
 */
final class CountingUpstream implements Upstream {
  private final AtomicInteger calls = new AtomicInteger();
  private final List<CacheKey> keys = new CopyOnWriteArrayList<>();
  private volatile UpstreamException failure;
  private volatile CompletableFuture<Void> gate = CompletableFuture.completedFuture(null);
  private volatile boolean passOn;
  private final List<FakeStream> streams = new CopyOnWriteArrayList<>();
  private final AtomicInteger released = new AtomicInteger();
  private final List<Validators> asked = new CopyOnWriteArrayList<>();
  private volatile int status = 200;
  private volatile Validators validators = Validators.NONE;
  private volatile boolean notModified;

  @Override
  public CompletableFuture<UpstreamResponse> fetch(CacheKey key, Validators validators) {
    int call = calls.incrementAndGet();
    keys.add(key);
    asked.add(validators);
    UpstreamException failure = this.failure;
    CompletableFuture<UpstreamResponse> answer =
        failure != null
            ? CompletableFuture.failedFuture(failure)
            : CompletableFuture.completedFuture(
                notModified && validators.isPresent() && validators.equals(this.validators)
                    ? notModified()
                    : answer(body(key, call)));
    CompletableFuture<Void> gate = this.gate;
    return gate.isDone() ? answer : gate.thenCompose(open -> answer);
  }

  private UpstreamResponse notModified() {
    return new UpstreamResponse(
        UpstreamResponse.NOT_MODIFIED,
        "application/json",
        new UpstreamBody.Whole(new byte[0], released::incrementAndGet),
        List.of(),
        "",
        Validators.NONE,
        "",
        "");
  }

  private UpstreamResponse answer(byte[] body) {
    if (!passOn) {
      return new UpstreamResponse(
          status,
          "application/json",
          new UpstreamBody.Whole(body, released::incrementAndGet),
          List.of(),
          "",
          validators,
          "",
          "");
    }
    FakeStream stream = new FakeStream(body);
    streams.add(stream);
    return new UpstreamResponse(
        200,
        "application/json",
        new UpstreamBody.Streamed(stream, OptionalLong.empty(), UpstreamBody.NotKept.TOO_LARGE),
        List.of(),
        "");
  }

  /** Answers every later call with {@code status} (and a JSON body, as ever). */
  void answerStatus(int status) {
    this.status = status;
  }

  /** Sends {@code validators} with every later answer. */
  void sendValidators(Validators validators) {
    this.validators = validators;
  }

  /**
   * Answers {@code 304} without a body to every later call that sends back the validators of {@link
   * #sendValidators}, as an upstream whose answer has not changed.
   */
  void answerNotModified(boolean notModified) {
    this.notModified = notModified;
  }

  /** The validators each call sent, in order ({@link Validators#NONE}: unconditional). */
  List<Validators> asked() {
    return List.copyOf(asked);
  }

  /** Passes every later answer on as it arrives, as if it were too large to keep. */
  void passOn() {
    passOn = true;
  }

  /** The bodies passed on so far, in order. */
  List<FakeStream> streams() {
    return List.copyOf(streams);
  }

  /** How often a whole body's memory was given back. */
  int released() {
    return released.get();
  }

  /** The body of the {@code call}-th answer (counting from 1) for {@code key}. */
  static byte[] body(CacheKey key, int call) {
    return ("[\"" + key.redisKey() + "\"," + call + "]").getBytes(StandardCharsets.UTF_8);
  }

  /** Fails every later call with {@code failure}. */
  void failWith(UpstreamException failure) {
    this.failure = failure;
  }

  /** Answers every later call again, after {@link #failWith}. */
  void succeed() {
    this.failure = null;
  }

  /** Answers every later call only once the returned future is completed. */
  CompletableFuture<Void> holdAnswers() {
    CompletableFuture<Void> held = new CompletableFuture<>();
    this.gate = held;
    return held;
  }

  int calls() {
    return calls.get();
  }

  List<CacheKey> keys() {
    return List.copyOf(keys);
  }
}
