package cachegate.engine;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/** Metrics that record the limits reached, as {@code "<limit> <route>"}, and nothing else. */
final class LimitsSeen implements CacheMetrics {
  private final List<String> limits = new CopyOnWriteArrayList<>();

  List<String> limits() {
    return List.copyOf(limits);
  }

  @Override
  public void limitReached(String limit, String route) {
    limits.add(limit + " " + route);
  }

  @Override
  public void hit(String route) {}

  @Override
  public void miss(String route) {}

  @Override
  public void staleServed(String route) {}

  @Override
  public void revalidated(String route) {}

  @Override
  public void staleIfError(String route) {}

  @Override
  public void error(String route) {}

  @Override
  public void rejected(String route) {}

  @Override
  public void coalesced(String route) {}

  @Override
  public void upstreamCall(String route, Duration latency, boolean succeeded) {}

  @Override
  public void storeFailure(String tier) {}

  @Override
  public void storeFull(String tier) {}
}
