package cachegate;

import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.UnsynchronizedAppenderBase;
import ch.qos.logback.core.encoder.Encoder;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * A logback appender for the access log: the calling thread encodes the line and queues it, and one
 * daemon thread writes whatever has queued to standard output every {@link #FLUSH_INTERVAL_MS}, in
 * one write. A request costs no system call and wakes no thread, unlike a console appender behind
 * logback's {@code AsyncAppender} (one wake-up and one write per line). Lines appear at most that
 * interval late. Past {@link #MAX_QUEUED} waiting lines, new lines are dropped and counted rather
 * than slowing requests; the count is reported in the output. On stop, what is queued is written.
 */
final class BatchedConsoleAppender extends UnsynchronizedAppenderBase<ILoggingEvent> {
  /** How often queued lines are written. */
  static final long FLUSH_INTERVAL_MS = 50;

  /** The most lines waiting to be written; more are dropped. */
  static final int MAX_QUEUED = 65_536;

  private final ConcurrentLinkedQueue<byte[]> queue = new ConcurrentLinkedQueue<>();
  private final AtomicInteger queued = new AtomicInteger();
  private final AtomicLong dropped = new AtomicLong();

  /** A batch buffer larger than this after a write is let go rather than kept for the next. */
  private static final int KEPT_BATCH_BYTES = 1 << 20;

  /** The lines of one write, reused from write to write (up to {@link #KEPT_BATCH_BYTES}). */
  private ByteArrayOutputStream batch = new ByteArrayOutputStream(8192);

  private Encoder<ILoggingEvent> encoder;
  private Thread writer;

  /** Set by {@link LogConfiguration} before {@link #start()}. */
  void setEncoder(Encoder<ILoggingEvent> encoder) {
    this.encoder = encoder;
  }

  @Override
  public void start() {
    if (encoder == null) {
      addError("no encoder set for " + getName());
      return;
    }
    writer = new Thread(this::writeLoop, "cachegate-access-log");
    writer.setDaemon(true);
    super.start();
    writer.start();
  }

  @Override
  public void stop() {
    if (!isStarted()) {
      return;
    }
    super.stop();
    LockSupport.unpark(writer);
    try {
      writer.join(TimeUnit.SECONDS.toMillis(2));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    writeQueued();
  }

  @Override
  protected void append(ILoggingEvent event) {
    if (queued.incrementAndGet() > MAX_QUEUED) {
      queued.decrementAndGet();
      dropped.incrementAndGet();
      return;
    }
    queue.add(encoder.encode(event));
  }

  private void writeLoop() {
    while (isStarted()) {
      LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(FLUSH_INTERVAL_MS));
      writeQueued();
    }
  }

  private synchronized void writeQueued() {
    batch.reset();
    for (byte[] line = queue.poll(); line != null; line = queue.poll()) {
      queued.decrementAndGet();
      batch.writeBytes(line);
    }
    long lost = dropped.getAndSet(0);
    if (lost > 0) {
      batch.writeBytes(
          ("cachegate.access: "
                  + lost
                  + " access log lines dropped (more than "
                  + MAX_QUEUED
                  + " waiting)"
                  + System.lineSeparator())
              .getBytes(StandardCharsets.UTF_8));
    }
    if (batch.size() > 0) {
      PrintStream out = System.out;
      try {
        batch.writeTo(out);
      } catch (IOException e) {
        // A PrintStream reports no IOException; writeTo only declares it.
        throw new UncheckedIOException(e);
      }
      out.flush();
    }
    if (batch.size() > KEPT_BATCH_BYTES) {
      batch = new ByteArrayOutputStream(8192);
    }
  }
}
