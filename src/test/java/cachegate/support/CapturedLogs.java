package cachegate.support;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import java.util.List;
import org.slf4j.LoggerFactory;

/**
 * What one logger, and the loggers named under it, log while a test runs: each event as {@code
 * "<LEVEL> <message>"}, or whole. Thread-safe; {@link #close()} stops capturing.
 */
public final class CapturedLogs implements AutoCloseable {
  private final Logger logger;
  private final ListAppender<ILoggingEvent> appender = new ListAppender<>();

  private CapturedLogs(String name) {
    this.logger = (Logger) LoggerFactory.getLogger(name);
    appender.start();
    logger.addAppender(appender);
  }

  /** Captures what {@code type}'s logger logs. */
  public static CapturedLogs of(Class<?> type) {
    return new CapturedLogs(type.getName());
  }

  /** Captures what the logger {@code name} and those under it log. */
  public static CapturedLogs of(String name) {
    return new CapturedLogs(name);
  }

  /** Every event so far, as {@code "<LEVEL> <message>"}. */
  public List<String> lines() {
    return events().stream()
        .map(event -> event.getLevel() + " " + event.getFormattedMessage())
        .toList();
  }

  /** Every event so far. */
  public List<ILoggingEvent> events() {
    synchronized (appender) { // the lock logback appends under
      return List.copyOf(appender.list);
    }
  }

  @Override
  public void close() {
    logger.detachAppender(appender);
    appender.stop();
  }
}
