package cachegate.http;

import cachegate.engine.ResponseBody;
import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.RemovalCause;
import com.github.benmanes.caffeine.cache.Ticker;
import io.netty.util.AbstractReferenceCounted;
import io.netty.util.IllegalReferenceCountException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * Identity forms of stored bodies kept in files, for the bodies that found no room among the
 * off-heap {@link IdentityCopies}: an answer is sent from the file with {@code sendfile}, from the
 * kernel's page cache (as nginx serves its cache), instead of being inflated from the gzip form
 * every time. The page cache is not the process's memory, and the kernel gives it back under
 * pressure.
 *
 * <p>A file is written by one background thread, never on an event loop: the answer that asks for
 * it first is inflated as before, and the answers after it find the file. Each file is removed from
 * the directory as soon as it is created and lives on through its open channel only, so nothing is
 * left behind when the process ends, however it ends; closing the channel frees its disk space.
 *
 * <p>Open files, one descriptor each, are bounded by {@link #MAX_DESCRIPTORS}, so that they never
 * take the descriptors client connections need, and a body under {@link #MIN_BYTES} is not worth a
 * file: it is inflated.
 *
 * <p>Files are addressed by the body's strong entity tag, as the off-heap copies are: a file is
 * only ever sent for a body with those very bytes. Disk: every byte of every file is counted
 * ({@link #bytes()}) from before it is written until its channel is closed, and files are written
 * only while that count stays within {@code maxBytes}. Three quarters of it hold the files kept
 * (least useful first out, and any file unused for {@link #IDLE}); the rest is room for files
 * dropped while a slow client is still being sent them, which are closed once that send is done. A
 * write that fails (a full disk, say) is counted and told once to {@code problems} until a write
 * succeeds again; the answers go on being inflated.
 *
 * <p>Thread-safe.
 */
final class IdentityFiles implements AutoCloseable {
  /** How long a file is kept without being asked for. */
  static final Duration IDLE = Duration.ofMinutes(10);

  /** Writes waiting for the writer thread at most; a body asked for past that is not written. */
  static final int QUEUE = 64;

  /** The most files open at once (kept, or dropped and still being sent): one descriptor each. */
  static final int MAX_DESCRIPTORS = 4096;

  /** The smallest body written to a file: a smaller one is inflated per answer, cheaply enough. */
  static final int MIN_BYTES = 16 * 1024;

  private final Path directory;
  private final long maxBytes;
  private final int maxFiles;

  private final AtomicInteger openFiles = new AtomicInteger();
  private final Consumer<String> problems;
  private final AtomicLong bytes = new AtomicLong();
  private final AtomicLong failures = new AtomicLong();
  private final Set<String> writing = ConcurrentHashMap.newKeySet();
  private final Cache<String, FileCopy> files;
  private final ThreadPoolExecutor writer;
  private volatile boolean failing;

  private IdentityFiles(
      Path directory, long maxBytes, int maxDescriptors, Ticker ticker, Consumer<String> problems) {
    this.directory = directory;
    this.maxBytes = maxBytes;
    this.problems = problems;
    this.maxFiles = Math.max(1, maxDescriptors);
    long keptBytes = Math.max(0, maxBytes / 4 * 3);
    // Every file weighs at least a share of the kept bytes, so that the files kept are bounded by
    // count (three quarters of maxFiles) as well as by bytes.
    long leastWeight = keptBytes / Math.max(1, maxFiles / 4 * 3);
    this.files =
        Caffeine.newBuilder()
            .ticker(ticker)
            .maximumWeight(keptBytes)
            .weigher(
                (String etag, FileCopy file) ->
                    (int) Math.min(Integer.MAX_VALUE, Math.max(leastWeight, file.length)))
            .expireAfterAccess(IDLE)
            .executor(Runnable::run)
            .removalListener((String etag, FileCopy file, RemovalCause cause) -> file.release())
            .build();
    this.writer =
        new ThreadPoolExecutor(
            1,
            1,
            0,
            TimeUnit.SECONDS,
            new ArrayBlockingQueue<>(QUEUE),
            task -> {
              Thread thread = new Thread(task, "cachegate-identity-files");
              thread.setDaemon(true);
              return thread;
            },
            // A full queue (or a closed writer): the body is written when it is asked for again.
            (write, executor) -> ((Write) write).abandon());
  }

  /** None at all: no file is ever written. */
  static IdentityFiles none() {
    return new IdentityFiles(null, 0, MAX_DESCRIPTORS, Ticker.systemTicker(), problem -> {});
  }

  /**
   * Files in {@code directory} (created if missing), at most {@code maxBytes} of them; none when
   * {@code maxBytes} is 0 or when no file can be created there, which {@code problems} is told.
   */
  static IdentityFiles in(Path directory, long maxBytes, Consumer<String> problems) {
    return in(directory, maxBytes, MAX_DESCRIPTORS, Ticker.systemTicker(), problems);
  }

  /** As above, with at most {@code maxDescriptors} open, telling idle time by {@code ticker}. */
  static IdentityFiles in(
      Path directory, long maxBytes, int maxDescriptors, Ticker ticker, Consumer<String> problems) {
    if (maxBytes <= 0) {
      return none();
    }
    try {
      Files.createDirectories(directory);
      // A file that can be created and written here, closed and removed at once.
      create(directory, ByteBuffer.wrap(new byte[] {'{', '}'})).close();
    } catch (IOException | RuntimeException e) {
      problems.accept(
          "identity files are off: cannot write files in "
              + directory
              + " ("
              + e
              + "); identity answers without an off-heap copy are inflated per request");
      return none();
    }
    return new IdentityFiles(directory, maxBytes, maxDescriptors, ticker, problems);
  }

  /**
   * The file of {@code body}'s identity form, with a reference the caller must release once it has
   * sent it. Empty when there is none yet: one is then written in the background if there is room,
   * and the caller answers from the body itself.
   */
  Optional<FileCopy> claim(ResponseBody body) {
    if (maxBytes <= 0 || body.identityLength() < MIN_BYTES) {
      return Optional.empty();
    }
    FileCopy known = files.getIfPresent(body.etag());
    if (known != null) {
      try {
        return Optional.of(known.retain());
      } catch (IllegalReferenceCountException dropped) {
        // Dropped and closed between the lookup and the claim: write it again.
      }
    }
    write(body);
    return Optional.empty();
  }

  private void write(ResponseBody body) {
    if (!writing.add(body.etag())) {
      return;
    }
    Write write = new Write(body);
    // Counted before they are checked, so that two writes at once cannot both take the last room;
    // both counts are taken either way, as abandon() gives both back.
    boolean room = bytes.addAndGet(body.identityLength()) <= maxBytes;
    room &= openFiles.incrementAndGet() <= maxFiles;
    if (room) {
      writer.execute(write);
    } else {
      write.abandon();
    }
  }

  /** Writing one body's file, its bytes counted and its tag marked as being written until done. */
  private final class Write implements Runnable {
    private final ResponseBody body;

    Write(ResponseBody body) {
      this.body = body;
    }

    @Override
    public void run() {
      FileChannel channel = null;
      try {
        // Inflated on this thread, into an array of its own (identity() would keep it on the
        // body, which the local tier holds gzip-only): the event loops never wait for it.
        ByteBuffer source = ByteBuffer.allocate(body.identityLength());
        body.decompressInto(source.duplicate());
        channel = create(directory, source);
        files.put(body.etag(), new FileCopy(channel, body.identityLength()));
        writing.remove(body.etag());
        if (writer.isShutdown()) {
          // Closed while this file was written: it is dropped like the others.
          files.invalidate(body.etag());
        }
        if (failing) {
          failing = false;
          problems.accept("identity files: writing files in " + directory + " again");
        }
      } catch (IOException | RuntimeException e) {
        close(channel);
        failed(e);
      }
    }

    void abandon() {
      bytes.addAndGet(-body.identityLength());
      openFiles.decrementAndGet();
      writing.remove(body.etag());
    }

    private void failed(Exception e) {
      abandon();
      failures.incrementAndGet();
      if (!failing) {
        failing = true;
        problems.accept(
            "identity files: cannot write a file in "
                + directory
                + " ("
                + e
                + "); identity answers are inflated until a write succeeds");
      }
    }
  }

  /**
   * A new file in {@code directory} holding {@code contents}, open to read, and already removed
   * from the directory.
   */
  private static FileChannel create(Path directory, ByteBuffer contents) throws IOException {
    Path path = Files.createTempFile(directory, "identity-", ".json");
    try {
      FileChannel channel =
          FileChannel.open(path, StandardOpenOption.READ, StandardOpenOption.WRITE);
      try {
        while (contents.hasRemaining()) {
          channel.write(contents);
        }
      } catch (IOException e) {
        close(channel);
        throw e;
      }
      return channel;
    } finally {
      Files.deleteIfExists(path);
    }
  }

  private static void close(FileChannel channel) {
    if (channel == null) {
      return;
    }
    try {
      channel.close();
    } catch (IOException ignored) {
      // Nothing more can be done with it.
    }
  }

  /** Bytes of files written or being written and not yet closed. */
  long bytes() {
    return bytes.get();
  }

  /** How many files are kept, once those idle for {@link #IDLE} are dropped. */
  long count() {
    files.cleanUp();
    return files.estimatedSize();
  }

  /** Files that could not be written. */
  long failures() {
    return failures.get();
  }

  /**
   * Stops writing and drops every file; each is closed now, or once the sends using it are done.
   */
  @Override
  public void close() {
    for (Runnable queued : writer.shutdownNow()) {
      ((Write) queued).abandon();
    }
    files.invalidateAll();
    files.cleanUp();
  }

  /** Files open now: kept, or dropped and still being sent. */
  int openFiles() {
    return openFiles.get();
  }

  /** One file, open, with its length; closed when the last reference is released. */
  final class FileCopy extends AbstractReferenceCounted {
    private final FileChannel channel;
    private final long length;

    private FileCopy(FileChannel channel, long length) {
      this.channel = channel;
      this.length = length;
    }

    FileChannel channel() {
      return channel;
    }

    long length() {
      return length;
    }

    @Override
    public FileCopy retain() {
      super.retain();
      return this;
    }

    @Override
    public FileCopy touch(Object hint) {
      return this;
    }

    @Override
    protected void deallocate() {
      IdentityFiles.close(channel);
      bytes.addAndGet(-length);
      openFiles.decrementAndGet();
    }
  }
}
