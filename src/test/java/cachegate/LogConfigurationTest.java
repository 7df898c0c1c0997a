package cachegate;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.Configurator.ExecutionStatus;
import ch.qos.logback.core.ConsoleAppender;
import org.junit.jupiter.api.Test;

class LogConfigurationTest {
  @Test
  void everythingGoesToTheConsoleAndTheAccessLogThroughItsOwnBatchedAppender() {
    LoggerContext context = new LoggerContext();

    LogConfiguration.apply(context);

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
}
