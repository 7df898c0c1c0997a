package cachegate;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.classic.spi.Configurator;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.ConsoleAppender;
import ch.qos.logback.core.spi.ContextAwareBase;
import java.util.Map;

/**
 * cachegate's logging, set up in code rather than from a {@code logback.xml}: parsing XML took
 * about 0.2 s of a start-up of about 1.3 s. Lines go to standard output as {@code HH:mm:ss.SSS
 * LEVEL logger - message}; the access log ({@code cachegate.access}) goes through a {@link
 * BatchedConsoleAppender}; Lettuce, Netty and Vert.x say only what matters (cachegate logs Redis
 * outages and recoveries once itself). {@code -Dlogback.configurationFile=your.xml}, or a {@code
 * logback-test.xml} on the class path (the tests have one), replaces all of this.
 */
public final class LogConfiguration extends ContextAwareBase implements Configurator {
  static final String PATTERN = "%d{HH:mm:ss.SSS} %-5level %logger{20} - %msg%n";

  private static final Map<String, Level> LEVELS =
      Map.of("io.lettuce", Level.ERROR, "io.netty", Level.WARN, "io.vertx", Level.WARN);

  @Override
  public ExecutionStatus configure(LoggerContext context) {
    if (System.getProperty("logback.configurationFile") != null
        || LogConfiguration.class.getClassLoader().getResource("logback-test.xml") != null) {
      return ExecutionStatus.INVOKE_NEXT_IF_ANY;
    }
    apply(context);
    return ExecutionStatus.DO_NOT_INVOKE_NEXT_IF_ANY;
  }

  /** Sets up {@code context} as the class comment says. */
  static void apply(LoggerContext context) {
    ConsoleAppender<ILoggingEvent> console = new ConsoleAppender<>();
    console.setContext(context);
    console.setName("STDOUT");
    console.setEncoder(encoder(context));
    console.start();
    Logger root = context.getLogger(Logger.ROOT_LOGGER_NAME);
    root.setLevel(Level.INFO);
    root.addAppender(console);

    BatchedConsoleAppender batched = new BatchedConsoleAppender();
    batched.setContext(context);
    batched.setName("ACCESS");
    batched.setEncoder(encoder(context));
    batched.start();
    Logger access = context.getLogger("cachegate.access");
    access.setLevel(Level.INFO);
    access.setAdditive(false);
    access.addAppender(batched);

    LEVELS.forEach((name, level) -> context.getLogger(name).setLevel(level));
  }

  private static PatternLayoutEncoder encoder(LoggerContext context) {
    PatternLayoutEncoder encoder = new PatternLayoutEncoder();
    encoder.setContext(context);
    encoder.setPattern(PATTERN);
    encoder.start();
    return encoder;
  }
}
