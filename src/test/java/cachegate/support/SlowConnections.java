package cachegate.support;

import java.io.Closeable;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * Connections that {@link SlowClients} opened, and when the server closed each of them: the time
 * from the moment the connection was established to the moment its close (FIN or reset, from the
 * server) was seen. How soon a close is seen depends on the kind of client; see {@link
 * SlowClients}. A connection counts as closed by the server only; {@link #close} ends the clients
 * and freezes the report. Thread-safe: a driver thread records closes while a test reads.
 */
public final class SlowConnections implements AutoCloseable {
  private final String description;
  private final AtomicLongArray openedAt;
  private final AtomicLongArray closedAt;
  private volatile Closeable driver = () -> {};

  SlowConnections(String description, int count) {
    this.description = description;
    this.openedAt = new AtomicLongArray(count);
    this.closedAt = new AtomicLongArray(count);
  }

  /** How many connections were opened. */
  public int count() {
    return openedAt.length();
  }

  /** How many the server has not closed (yet). */
  public int stillOpen() {
    int open = 0;
    for (int i = 0; i < count(); i++) {
      open += isOpen(i) ? 1 : 0;
    }
    return open;
  }

  /**
   * For each connection, in the order they were opened: how long it lived until the server closed
   * it; empty while open.
   */
  public List<Optional<Duration>> closedAfter() {
    List<Optional<Duration>> lives = new ArrayList<>(count());
    for (int i = 0; i < count(); i++) {
      lives.add(closedAfter(i));
    }
    return lives;
  }

  /** The shortest time from open to server close, among the connections the server closed. */
  public Optional<Duration> minClosedAfter() {
    return closedAfter().stream().flatMap(Optional::stream).min(Duration::compareTo);
  }

  /** The longest time from open to server close, among the connections the server closed. */
  public Optional<Duration> maxClosedAfter() {
    return closedAfter().stream().flatMap(Optional::stream).max(Duration::compareTo);
  }

  /** Stops watching and closes every connection still open on this side. */
  @Override
  public void close() {
    try {
      driver.close();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * E.g. {@code slowloris GET / HTTP/1.1: 12000 connections, 0 open, closed after
   * PT10.002S..PT10.81S}.
   */
  @Override
  public String toString() {
    return description
        + ": "
        + count()
        + " connections, "
        + stillOpen()
        + " open, closed after "
        + minClosedAfter().map(String::valueOf).orElse("-")
        + ".."
        + maxClosedAfter().map(String::valueOf).orElse("-");
  }

  void drivenBy(Closeable driver) {
    this.driver = driver;
  }

  void opened(int connection) {
    openedAt.set(connection, System.nanoTime());
  }

  boolean isOpen(int connection) {
    return closedAt.get(connection) == 0;
  }

  /** Records that the server closed {@code connection}, seen at {@code nanoTime}; once only. */
  void closed(int connection, long nanoTime) {
    closedAt.compareAndSet(connection, 0, nanoTime == 0 ? 1 : nanoTime);
  }

  private Optional<Duration> closedAfter(int connection) {
    long closed = closedAt.get(connection);
    return closed == 0
        ? Optional.empty()
        : Optional.of(Duration.ofNanos(closed - openedAt.get(connection)));
  }
}
