package cachegate.engine;

import java.util.function.BiConsumer;

/** {@link Span#none()}: one shared instance, no state, nothing allocated per call. */
enum NoSpan implements Span {
  INSTANCE;

  @Override
  public Span child(String name, Kind kind) {
    return this;
  }

  @Override
  public Span attribute(String key, String value) {
    return this;
  }

  @Override
  public Span attribute(String key, long value) {
    return this;
  }

  @Override
  public Span attribute(String key, boolean value) {
    return this;
  }

  @Override
  public void link(TraceLink other) {}

  @Override
  public TraceLink reference() {
    return TraceLink.NONE;
  }

  @Override
  public void propagate(BiConsumer<String, String> header) {}

  @Override
  public void failed(Throwable failure) {}

  @Override
  public void end() {}
}
