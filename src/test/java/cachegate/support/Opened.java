package cachegate.support;

import java.util.ArrayList;
import java.util.List;

/** What a test opened (servers, gateways, clusters), closed last first by {@link #closeAll}. */
public final class Opened {
  private final List<AutoCloseable> resources = new ArrayList<>();

  /** Keeps {@code resource} to close, and returns it. */
  public <T extends AutoCloseable> T add(T resource) {
    resources.add(resource);
    return resource;
  }

  /** Closes everything added, the last added first. */
  public void closeAll() throws Exception {
    for (int i = resources.size() - 1; i >= 0; i--) {
      resources.get(i).close();
    }
    resources.clear();
  }
}
