package cachegate;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.Configurator.ExecutionStatus;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.LoggingEvent;
import ch.qos.logback.core.ConsoleAppender;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import org.junit.jupiter.api.Test;
import org.slf4j.event.KeyValuePair;

class LogConfigurationTest {
  @Test
  void everythingGoesToTheConsoleAndTheAccessLogThroughItsOwnBatchedAppender() {
    LoggerContext context = new LoggerContext();

    LogConfiguration.apply(context, LogConfiguration.Format.TEXT);

    Logger root = context.getLogger(Logger.ROOT_LOGGER_NAME);
    Logger access = context.getLogger("cachegate.access");
    assertThat(root.getLevel()).isEqualTo(Level.INFO);
    assertThat(root.getAppender("STDOUT")).isInstanceOf(ConsoleAppender.class);
    assertThat(access.isAdditive()).isFalse();
    assertThat(access.getAppender("ACCESS")).isInstanceOf(BatchedConsoleAppender.class);
    assertThat(access.isInfoEnabled()).isTrue();
    assertThat(context.getLogger("io.lettuce").getLevel()).isEqualTo(Level.ERROR);
    assertThat(context.getLogger("io.netty.channel").isInfoEnabled()).isFalse();
    context.stop();
  }

  @Test
  void aLogbackTestXmlOnTheClassPathTakesOver() {
    LoggerContext context = new LoggerContext();
    LogConfiguration configuration = new LogConfiguration();
    configuration.setContext(context);

    ExecutionStatus status = configuration.configure(context);

    assertThat(status).isEqualTo(ExecutionStatus.INVOKE_NEXT_IF_ANY);
    assertThat(context.getLogger(Logger.ROOT_LOGGER_NAME).iteratorForAppenders()).isExhausted();
  }

  @Test
  void jsonWritesOneObjectPerLineWithTheMessageAsReadAndEachKeyValuePair() {
    LoggerContext context = new LoggerContext();
    LogConfiguration.apply(context, LogConfiguration.Format.JSON);
    Logger access = context.getLogger("cachegate.access");
    LoggingEvent event =
        new LoggingEvent(
            "cachegate.http.AccessLog",
            access,
            Level.INFO,
            "{} {} {}",
            null,
            new Object[] {"GET", "/universities?country=Germany", "200"});
    event.addKeyValuePair(new KeyValuePair("status", "200"));
    event.addKeyValuePair(new KeyValuePair("outcome", "HIT"));

    String line = encoded(context, event);

    assertThat(line).endsWith("\n").doesNotContain("\n\n");
    JsonObject json = new JsonObject(line);
    assertThat(json.getString("level")).isEqualTo("INFO");
    assertThat(json.getString("loggerName")).isEqualTo("cachegate.access");
    assertThat(json.getLong("timestamp")).isPositive();
    assertThat(json.getString("formattedMessage"))
        .isEqualTo("GET /universities?country=Germany 200");
    assertThat(json.getJsonArray("kvpList"))
        .isEqualTo(
            new JsonArray()
                .add(new JsonObject().put("status", "200"))
                .add(new JsonObject().put("outcome", "HIT")));
    assertThat(json.fieldNames()).doesNotContain("message", "arguments", "context");
    context.stop();
  }

  @Test
  void textWritesTheTimeOfDayLevelLoggerAndMessage() {
    LoggerContext context = new LoggerContext();
    LogConfiguration.apply(context, LogConfiguration.Format.TEXT);
    Logger access = context.getLogger("cachegate.access");
    LoggingEvent event =
        new LoggingEvent(
            "cachegate.http.AccessLog", access, Level.INFO, "GET / 200 HIT 0.1ms id=1", null, null);
    event.setTimeStamp(1_700_000_000_123L);

    String line = encoded(context, event);

    assertThat(line)
        .isEqualTo(
            DateTimeFormatter.ofPattern("HH:mm:ss.SSS")
                    .format(Instant.ofEpochMilli(1_700_000_000_123L).atZone(ZoneId.systemDefault()))
                + " INFO  cachegate.access - GET / 200 HIT 0.1ms id=1"
                + System.lineSeparator());
    context.stop();
  }

  @Test
  void anythingButJsonIsText() {
    assertThat(LogConfiguration.Format.of(" JSON ")).isEqualTo(LogConfiguration.Format.JSON);
    assertThat(LogConfiguration.Format.of(null)).isEqualTo(LogConfiguration.Format.TEXT);
    assertThat(LogConfiguration.Format.of("text")).isEqualTo(LogConfiguration.Format.TEXT);
  }

  /** {@code event} as the console appender writes it (the access log's has the same encoder). */
  private static String encoded(LoggerContext context, ILoggingEvent event) {
    var console =
        (ConsoleAppender<ILoggingEvent>)
            context.getLogger(Logger.ROOT_LOGGER_NAME).getAppender("STDOUT");
    return new String(console.getEncoder().encode(event), StandardCharsets.UTF_8);
  }
}
