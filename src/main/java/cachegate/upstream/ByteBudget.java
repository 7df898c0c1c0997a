package cachegate.upstream;

import java.util.concurrent.atomic.AtomicLong;

/**
 * The bytes of upstream answers the process may hold in memory at once, shared by every route: an
 * answer takes its bytes as they arrive and gives them back once it is stored or dropped. An answer
 * that finds no room is passed on to its client instead of gathered. Thread-safe and lock-free.
 */
public final class ByteBudget {
  private final long capacity;
  private final AtomicLong taken = new AtomicLong();

  /** A budget of {@code capacity} bytes. */
  public ByteBudget(long capacity) {
    if (capacity < 1) {
      throw new IllegalArgumentException("capacity must be positive, was " + capacity);
    }
    this.capacity = capacity;
  }

  /** Takes {@code bytes} if that many are free, all or nothing. */
  public boolean tryTake(long bytes) {
    long now;
    do {
      now = taken.get();
      if (now + bytes > capacity) {
        return false;
      }
    } while (!taken.compareAndSet(now, now + bytes));
    return true;
  }

  /** Gives back {@code bytes} taken before. */
  public void give(long bytes) {
    taken.addAndGet(-bytes);
  }

  /** Bytes taken now. */
  public long taken() {
    return taken.get();
  }

  /** The most bytes that can be taken at once. */
  public long capacity() {
    return capacity;
  }
}
