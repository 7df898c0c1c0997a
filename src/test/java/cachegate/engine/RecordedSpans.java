package cachegate.engine;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BiConsumer;

/**
 * Spans as the engine makes them, kept in memory: each with its name, kind, parent, attributes,
 * links and whether it ended. A fake of the {@link Span} port, so that the engine's tracing is
 * tested without a tracing library.
 */
final class RecordedSpans {
  private final List<Recorded> spans = new CopyOnWriteArrayList<>();
  private final AtomicLong ids = new AtomicLong();

  /** A new trace's root span (a request's server span). */
  Recorded request(String name) {
    return new Recorded(name, Span.Kind.INTERNAL, Optional.empty(), hex(ids.incrementAndGet(), 32));
  }

  /** Every span started so far, in the order started. */
  List<Recorded> all() {
    return List.copyOf(spans);
  }

  /** The one span named {@code name} under {@code parent}. */
  Recorded only(String name, Recorded parent) {
    List<Recorded> found =
        spans.stream()
            .filter(s -> s.name.equals(name) && s.parent.equals(Optional.of(parent)))
            .toList();
    if (found.size() != 1) {
      throw new AssertionError(
          found.size() + " spans named " + name + " under " + parent.name + ": " + spans);
    }
    return found.get(0);
  }

  private static String hex(long value, int digits) {
    return String.format("%0" + digits + "x", value);
  }

  final class Recorded implements Span {
    final String name;
    final Kind kind;
    final Optional<Recorded> parent;
    final String traceId;
    final String spanId;
    final Map<String, Object> attributes = new ConcurrentHashMap<>();
    final List<TraceLink> links = new CopyOnWriteArrayList<>();
    volatile boolean ended;
    volatile boolean failed;

    private Recorded(String name, Kind kind, Optional<Recorded> parent, String traceId) {
      this.name = name;
      this.kind = kind;
      this.parent = parent;
      this.traceId = traceId;
      this.spanId = hex(ids.incrementAndGet(), 16);
      spans.add(this);
    }

    @Override
    public Span child(String name, Kind kind) {
      return new Recorded(name, kind, Optional.of(this), traceId);
    }

    @Override
    public Span attribute(String key, String value) {
      attributes.put(key, value);
      return this;
    }

    @Override
    public Span attribute(String key, long value) {
      attributes.put(key, value);
      return this;
    }

    @Override
    public Span attribute(String key, boolean value) {
      attributes.put(key, value);
      return this;
    }

    @Override
    public void link(TraceLink other) {
      links.add(other);
    }

    @Override
    public TraceLink reference() {
      return new TraceLink(traceId, spanId);
    }

    @Override
    public void propagate(BiConsumer<String, String> header) {
      header.accept("traceparent", "00-" + traceId + "-" + spanId + "-01");
    }

    @Override
    public void failed(Throwable failure) {
      failed = true;
    }

    @Override
    public void end() {
      ended = true;
    }

    @Override
    public String toString() {
      return name + parent.map(p -> "<" + p.name).orElse("");
    }
  }
}
