package cachegate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.classic.spi.LoggingEvent;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class BatchedConsoleAppenderTest {
  private final LoggerContext context = new LoggerContext();
  private final ByteArrayOutputStream captured = new ByteArrayOutputStream();
  private final PrintStream originalOut = System.out;
  private final BatchedConsoleAppender appender = new BatchedConsoleAppender();

  @BeforeEach
  void captureStandardOutput() {
    System.setOut(new PrintStream(captured, true, StandardCharsets.UTF_8));
    PatternLayoutEncoder encoder = new PatternLayoutEncoder();
    encoder.setContext(context);
    encoder.setPattern("%msg%n");
    encoder.start();
    appender.setContext(context);
    appender.setEncoder(encoder);
    appender.start();
  }

  @AfterEach
  void restoreStandardOutput() {
    appender.stop();
    System.setOut(originalOut);
  }

  @Test
  void linesAppearInOrderWithinAFewFlushIntervals() {
    IntStream.range(0, 1000).forEach(i -> appender.doAppend(event("line " + i)));

    await()
        .atMost(Duration.ofSeconds(2))
        .untilAsserted(() -> assertThat(output().lines()).hasSize(1000));
    assertThat(output().lines()).startsWith("line 0", "line 1").endsWith("line 999");
  }

  @Test
  void stoppingWritesWhatIsStillQueued() {
    appender.doAppend(event("last words"));

    appender.stop();

    assertThat(output()).isEqualTo("last words" + System.lineSeparator());
  }

  @Test
  void everyLineIsWrittenOrCountedAsDroppedEvenBeyondTheQueueLimit() {
    appender.stop();
    BatchedConsoleAppender stalled = new BatchedConsoleAppender();
    PatternLayoutEncoder encoder = new PatternLayoutEncoder();
    encoder.setContext(context);
    encoder.setPattern("%msg%n");
    encoder.start();
    stalled.setContext(context);
    stalled.setEncoder(encoder);
    stalled.start();
    // Appending is far faster than one flush interval: most of these wait in the queue at once.
    int total = BatchedConsoleAppender.MAX_QUEUED * 4;
    IntStream.range(0, total).forEach(i -> stalled.doAppend(event("x")));
    stalled.stop();

    long written = output().lines().filter("x"::equals).count();
    long dropped =
        output()
            .lines()
            .filter(line -> line.contains("access log lines dropped"))
            .mapToLong(line -> Long.parseLong(line.replaceAll(".*: (\\d+) access log.*", "$1")))
            .sum();
    assertThat(written + dropped).isEqualTo(total);
  }

  private LoggingEvent event(String message) {
    LoggingEvent event = new LoggingEvent();
    event.setLoggerContext(context);
    event.setLoggerName("cachegate.access");
    event.setLevel(Level.INFO);
    event.setMessage(message);
    event.setTimeStamp(System.currentTimeMillis());
    return event;
  }

  private String output() {
    return captured.toString(StandardCharsets.UTF_8);
  }
}
