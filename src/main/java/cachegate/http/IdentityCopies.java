package cachegate.http;

import cachegate.engine.ResponseBody;
import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.RemovalCause;
import com.github.benmanes.caffeine.cache.Ticker;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.UnpooledByteBufAllocator;
import io.netty.buffer.UnpooledDirectByteBuf;
import io.netty.util.IllegalReferenceCountException;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Identity forms of stored bodies kept outside the heap, so that an identity answer is written from
 * memory the socket can read directly: no array of the body's size per answer, and no copy of the
 * body into a temporary direct buffer per write. The local tier keeps bodies gzip-only; a body
 * answered in identity gets a copy here while there is room, and every answer for it then writes a
 * view of that copy.
 *
 * <p>Copies are addressed by the body's strong entity tag, a SHA-256 of the identity bytes: a copy
 * is only ever written for a body with those very bytes, whichever key or entry asked, and a body
 * refetched unchanged finds its copy again.
 *
 * <p>Memory: every byte of every copy is counted ({@link #bytes()}) from its allocation until it is
 * freed, and copies are made only while the count stays within {@code maxBytes}. A copy not asked
 * for during {@link #IDLE} is dropped (the entries it served have most likely expired or been
 * replaced), which also makes room for bodies that became popular later. Each copy is reference
 * counted: the cache holds one reference, every write in progress one more, so a copy dropped while
 * a slow client is still being sent it is freed once that write is done, never before. {@link
 * #close()} drops them all.
 *
 * <p>Thread-safe.
 */
final class IdentityCopies implements AutoCloseable {
  /** How long a copy is kept without being asked for. */
  static final Duration IDLE = Duration.ofSeconds(10);

  private final long maxBytes;
  private final AtomicLong bytes = new AtomicLong();
  private final Cache<String, ByteBuf> copies;

  IdentityCopies(long maxBytes) {
    this(maxBytes, Ticker.systemTicker());
  }

  /** As above, telling idle time by {@code ticker}. */
  IdentityCopies(long maxBytes, Ticker ticker) {
    this.maxBytes = maxBytes;
    this.copies =
        Caffeine.newBuilder()
            .ticker(ticker)
            .maximumWeight(Math.max(0, maxBytes))
            .weigher((String etag, ByteBuf copy) -> copy.capacity())
            .expireAfterAccess(IDLE)
            .executor(Runnable::run)
            .removalListener((String etag, ByteBuf copy, RemovalCause cause) -> copy.release())
            .build();
  }

  /** None at all: every identity answer is written from the body itself. */
  static IdentityCopies none() {
    return new IdentityCopies(0);
  }

  /**
   * The copy of {@code body}'s identity form, with a reference the caller must release once it has
   * written it; made now if there is none and there is room. Empty when there is no copy and no
   * room (or direct memory ran out): the caller writes from the body itself.
   */
  Optional<ByteBuf> claim(ResponseBody body) {
    if (maxBytes <= 0) {
      return Optional.empty();
    }
    ByteBuf known = copies.getIfPresent(body.etag());
    if (known != null) {
      try {
        return Optional.of(known.retain());
      } catch (IllegalReferenceCountException dropped) {
        // Dropped and freed between the lookup and the claim: make another if there is room.
      }
    }
    return copy(body);
  }

  private Optional<ByteBuf> copy(ResponseBody body) {
    int length = body.identityLength();
    if (bytes.addAndGet(length) > maxBytes) {
      bytes.addAndGet(-length);
      return Optional.empty();
    }
    ByteBuf copy;
    try {
      copy = new CountedDirect(length);
    } catch (OutOfMemoryError noDirectMemory) {
      // The JVM's direct memory limit (-XX:MaxDirectMemorySize, by default -Xmx) is reached.
      bytes.addAndGet(-length);
      return Optional.empty();
    }
    try {
      body.decompressInto(copy.nioBuffer(0, length));
    } catch (RuntimeException e) {
      copy.release();
      throw e;
    }
    copy.writerIndex(length);
    // One reference for the writer, one for the cache; a copy made by two threads at once for the
    // same body replaces the other, which is freed once its writer is done.
    copy.retain();
    copies.put(body.etag(), copy);
    return Optional.of(copy);
  }

  /** Bytes of copies allocated and not yet freed (including copies still being written). */
  long bytes() {
    return bytes.get();
  }

  /** How many copies are kept, once those idle for {@link #IDLE} are dropped. */
  long count() {
    copies.cleanUp();
    return copies.estimatedSize();
  }

  /** Drops every copy; each is freed now, or once the writes still using it are done. */
  @Override
  public void close() {
    copies.invalidateAll();
    copies.cleanUp();
  }

  /** A direct buffer of exactly one body's size whose freeing is counted. */
  private final class CountedDirect extends UnpooledDirectByteBuf {
    private final int length;

    CountedDirect(int length) {
      super(UnpooledByteBufAllocator.DEFAULT, length, length);
      this.length = length;
    }

    /** Called once, when the last reference is released. */
    @Override
    protected void deallocate() {
      super.deallocate();
      bytes.addAndGet(-length);
    }
  }
}
