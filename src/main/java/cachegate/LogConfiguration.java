package cachegate;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.JsonEncoder;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.classic.spi.Configurator;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.ConsoleAppender;
import ch.qos.logback.core.CoreConstants;
import ch.qos.logback.core.encoder.Encoder;
import ch.qos.logback.core.pattern.DynamicConverter;
import ch.qos.logback.core.spi.ContextAwareBase;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.function.Supplier;

/**
 * cachegate's logging, set up in code rather than from a {@code logback.xml}: parsing XML took
 * about 0.2 s of a start-up of about 1.3 s. Lines go to standard output as {@code HH:mm:ss.SSS
 * LEVEL logger - message}, or with {@code LOG_FORMAT=json} as one JSON object each (logback's own
 * {@link JsonEncoder}: {@code timestamp}, {@code level}, {@code threadName}, {@code loggerName},
 * {@code formattedMessage}, the event's key-value pairs in {@code kvpList} and its {@code
 * throwable}); the access log ({@code cachegate.access}) goes through a {@link
 * BatchedConsoleAppender}; Lettuce, Netty and Vert.x say only what matters (cachegate logs Redis
 * outages and recoveries once itself). {@code -Dlogback.configurationFile=your.xml}, or a {@code
 * logback-test.xml} on the class path (the tests have one), replaces all of this.
 */
public final class LogConfiguration extends ContextAwareBase implements Configurator {
  /**
   * {@code %timeOfDay} writes what {@code %d{HH:mm:ss.SSS}} would, at less cost ({@link
   * TimeOfDayConverter}).
   */
  static final String PATTERN = "%timeOfDay %-5level %logger{20} - %msg%n";

  /** How lines are written: {@code LOG_FORMAT}, read here as logging starts before the config. */
  enum Format {
    TEXT,
    JSON;

    /** {@code json} (any case) is JSON; anything else, which the config refuses, is text. */
    static Format of(String value) {
      return value != null && value.trim().toLowerCase(Locale.ROOT).equals("json") ? JSON : TEXT;
    }
  }

  private static final Map<String, Level> LEVELS =
      Map.of("io.lettuce", Level.ERROR, "io.netty", Level.WARN, "io.vertx", Level.WARN);

  @Override
  public ExecutionStatus configure(LoggerContext context) {
    if (System.getProperty("logback.configurationFile") != null
        || LogConfiguration.class.getClassLoader().getResource("logback-test.xml") != null) {
      return ExecutionStatus.INVOKE_NEXT_IF_ANY;
    }
    apply(context, Format.of(System.getenv("LOG_FORMAT")));
    return ExecutionStatus.DO_NOT_INVOKE_NEXT_IF_ANY;
  }

  /** Sets up {@code context} as the class comment says. */
  static void apply(LoggerContext context, Format format) {
    Map<String, Supplier<DynamicConverter<?>>> rules = new HashMap<>();
    rules.put("timeOfDay", TimeOfDayConverter::new);
    context.putObject(CoreConstants.PATTERN_RULE_REGISTRY_FOR_SUPPLIERS, rules);
    ConsoleAppender<ILoggingEvent> console = new ConsoleAppender<>();
    console.setContext(context);
    console.setName("STDOUT");
    console.setEncoder(encoder(context, format));
    console.start();
    Logger root = context.getLogger(Logger.ROOT_LOGGER_NAME);
    root.setLevel(Level.INFO);
    root.addAppender(console);

    BatchedConsoleAppender batched = new BatchedConsoleAppender();
    batched.setContext(context);
    batched.setName("ACCESS");
    batched.setEncoder(encoder(context, format));
    batched.start();
    Logger access = context.getLogger("cachegate.access");
    access.setLevel(Level.INFO);
    access.setAdditive(false);
    access.addAppender(batched);

    LEVELS.forEach((name, level) -> context.getLogger(name).setLevel(level));
  }

  private static Encoder<ILoggingEvent> encoder(LoggerContext context, Format format) {
    if (format == Format.JSON) {
      JsonEncoder json = new JsonEncoder();
      json.setContext(context);
      // The message as read, not its pattern and arguments apart; no logger context or MDC
      // (cachegate sets none).
      json.setWithSequenceNumber(false);
      json.setWithNanoseconds(false);
      json.setWithContext(false);
      json.setWithMDC(false);
      json.setWithMessage(false);
      json.setWithArguments(false);
      json.setWithFormattedMessage(true);
      json.start();
      return json;
    }
    PatternLayoutEncoder encoder = new PatternLayoutEncoder();
    encoder.setContext(context);
    encoder.setPattern(PATTERN);
    encoder.start();
    return encoder;
  }
}
