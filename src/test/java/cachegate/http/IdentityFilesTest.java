package cachegate.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import cachegate.engine.ResponseBody;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class IdentityFilesTest {
  private static final ResponseBody GERMANY = body("TU Berlin", 400);
  private static final ResponseBody FRANCE = body("Sorbonne", 420);
  private static final ResponseBody SMALL = body("Small", 10);

  @TempDir Path directory;
  private final List<String> problems = new CopyOnWriteArrayList<>();

  @Test
  void theFirstClaimWritesTheFileInTheBackgroundAndLaterClaimsSendIt() throws IOException {
    IdentityFiles files = IdentityFiles.in(directory, 1 << 20, problems::add);
    ResponseBody gzipOnly = ResponseBody.fromCheckedGzip(GERMANY.gzip(), GERMANY.etag());

    assertThat(files.claim(gzipOnly)).isEmpty();
    IdentityFiles.FileCopy file = awaitFile(files, gzipOnly);

    assertThat(contents(file)).isEqualTo(GERMANY.identity());
    assertThat(file.length()).isEqualTo(GERMANY.identityLength());
    assertThat(files.bytes()).isEqualTo(GERMANY.identityLength());
    assertThat(files.count()).isOne();
    file.release();
    files.close();
  }

  @Test
  void filesAreAddressedByTheEntityTagSoABodyNeverGetsAnotherBodysBytes() throws IOException {
    IdentityFiles files = IdentityFiles.in(directory, 1 << 20, problems::add);
    files.claim(GERMANY);
    files.claim(FRANCE);

    IdentityFiles.FileCopy germany = awaitFile(files, GERMANY);
    IdentityFiles.FileCopy france = awaitFile(files, FRANCE);

    assertThat(contents(france)).isEqualTo(FRANCE.identity());
    assertThat(contents(germany)).isEqualTo(GERMANY.identity());
    germany.release();
    france.release();
    files.close();
  }

  @Test
  void nothingIsLeftInTheDirectoryWhileFilesAreKept() throws IOException {
    IdentityFiles files = IdentityFiles.in(directory, 1 << 20, problems::add);
    files.claim(GERMANY);

    awaitFile(files, GERMANY).release();

    try (var listing = Files.list(directory)) {
      assertThat(listing).isEmpty();
    }
    files.close();
  }

  @Test
  void noFileIsWrittenBeyondTheBound() {
    IdentityFiles files =
        IdentityFiles.in(
            directory, GERMANY.identityLength() + FRANCE.identityLength() - 1, problems::add);
    files.claim(GERMANY);
    awaitFile(files, GERMANY).release();

    files.claim(FRANCE);

    assertThat(files.claim(FRANCE)).isEmpty();
    assertThat(files.bytes()).isEqualTo(GERMANY.identityLength());
    files.close();
  }

  @Test
  void aFileDroppedWhileBeingSentStaysReadableAndCountedUntilReleased() throws IOException {
    IdentityFiles files = IdentityFiles.in(directory, 1 << 20, problems::add);
    files.claim(GERMANY);
    IdentityFiles.FileCopy sending = awaitFile(files, GERMANY);

    files.close();

    assertThat(files.count()).isZero();
    assertThat(contents(sending)).isEqualTo(GERMANY.identity());
    assertThat(files.bytes()).isEqualTo(GERMANY.identityLength());
    sending.release();
    assertThat(sending.channel().isOpen()).isFalse();
    assertThat(files.bytes()).isZero();
  }

  @Test
  void aFileUnusedForTheIdleTimeIsDroppedAndClosed() {
    AtomicLong nanos = new AtomicLong();
    IdentityFiles files =
        IdentityFiles.in(
            directory, 1 << 20, IdentityFiles.MAX_DESCRIPTORS, nanos::get, problems::add);
    files.claim(GERMANY);
    IdentityFiles.FileCopy file = awaitFile(files, GERMANY);
    file.release();

    nanos.addAndGet(IdentityFiles.IDLE.plusSeconds(1).toNanos());

    assertThat(files.count()).isZero();
    assertThat(file.channel().isOpen()).isFalse();
    assertThat(files.bytes()).isZero();
  }

  @Test
  void aFileInPlaceOfTheDirectoryTurnsFilesOffWithOneProblem() throws IOException {
    Path notADirectory = Files.writeString(directory.resolve("taken"), "x");

    IdentityFiles files = IdentityFiles.in(notADirectory, 1 << 20, problems::add);

    assertThat(files.claim(GERMANY)).isEmpty();
    assertThat(files.bytes()).isZero();
    assertThat(problems).singleElement().asString().contains("are off", notADirectory.toString());
  }

  @Test
  void failedWritesAreCountedAndToldOnceUntilAWriteSucceeds() throws IOException {
    Path moved = directory.resolve("files");
    IdentityFiles files = IdentityFiles.in(moved, 1 << 20, problems::add);
    Files.delete(moved);

    files.claim(GERMANY);
    await().atMost(Duration.ofSeconds(10)).until(() -> files.failures() == 1);
    files.claim(FRANCE);
    await().atMost(Duration.ofSeconds(10)).until(() -> files.failures() == 2);

    assertThat(problems).singleElement().asString().contains("cannot write", moved.toString());
    assertThat(files.bytes()).isZero();
    assertThat(files.claim(GERMANY)).isEmpty();

    Files.createDirectory(moved);
    awaitFile(files, GERMANY).release();
    assertThat(problems).hasSize(2).last().asString().contains("again");
    files.close();
  }

  @Test
  void aBoundOfZeroWritesNothing() {
    IdentityFiles files = IdentityFiles.in(directory, 0, problems::add);

    assertThat(files.claim(GERMANY)).isEmpty();
    assertThat(files.bytes()).isZero();
    assertThat(problems).isEmpty();
  }

  @Test
  void aBodyUnderTheSmallestFileSizeIsNeverWritten() throws Exception {
    IdentityFiles files = IdentityFiles.in(directory, 1 << 20, problems::add);
    files.claim(SMALL);
    files.claim(GERMANY);

    awaitFile(files, GERMANY).release();

    assertThat(SMALL.identityLength()).isLessThan(IdentityFiles.MIN_BYTES);
    assertThat(files.claim(SMALL)).isEmpty();
    assertThat(files.count()).isOne();
    files.close();
  }

  @Test
  void openFilesStayWithinTheDescriptorBound() {
    // Two descriptors: two files open at most.
    IdentityFiles files =
        IdentityFiles.in(
            directory,
            1 << 20,
            2,
            com.github.benmanes.caffeine.cache.Ticker.systemTicker(),
            problems::add);
    List<ResponseBody> bodies =
        java.util.stream.IntStream.range(0, 5).mapToObj(i -> body("University " + i, 400)).toList();

    for (int round = 0; round < 3; round++) {
      bodies.forEach(body -> files.claim(body).ifPresent(IdentityFiles.FileCopy::release));
      await()
          .atMost(Duration.ofSeconds(10))
          .until(() -> files.bytes() == files.count() * bodies.get(0).identityLength());
    }

    assertThat(files.openFiles()).isBetween(1, 2);
    assertThat(files.count()).isLessThanOrEqualTo(2);
    files.close();
    assertThat(files.openFiles()).isZero();
  }

  /** Claims {@code body} until its file has been written; the caller releases it. */
  private static IdentityFiles.FileCopy awaitFile(IdentityFiles files, ResponseBody body) {
    return await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> files.claim(body).orElse(null), file -> file != null);
  }

  private static byte[] contents(IdentityFiles.FileCopy file) throws IOException {
    ByteBuffer read = ByteBuffer.allocate((int) file.length());
    while (read.hasRemaining()) {
      if (file.channel().read(read, read.position()) < 0) {
        break;
      }
    }
    return read.array();
  }

  /** A JSON array of {@code count} universities named after {@code name}: about 60 bytes each. */
  private static ResponseBody body(String name, int count) {
    StringBuilder json = new StringBuilder("[");
    for (int i = 0; i < count; i++) {
      json.append(i == 0 ? "" : ",").append("{\"name\":\"").append(name).append(' ').append(i);
      json.append("\",\"country\":\"Somewhere\"}");
    }
    return ResponseBody.of(
        json.append(']').toString().getBytes(java.nio.charset.StandardCharsets.UTF_8));
  }
}
