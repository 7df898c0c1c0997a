package cachegate.store;

import static org.assertj.core.api.Assertions.assertThat;

import cachegate.engine.ManualClock;
import cachegate.metrics.MicrometerCacheMetrics;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/** Writes refused by a full Redis: every one counted, one log line per episode. */
class WriteRefusalsTest {
  private static final String OOM = "OOM command not allowed when used memory > 'maxmemory'.";

  private final ManualClock clock = new ManualClock();
  private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
  private final WriteRefusals refusals =
      new WriteRefusals("redis://127.0.0.1:6379/0", clock, new MicrometerCacheMetrics(registry));
  private final Logger logger = (Logger) LoggerFactory.getLogger(WriteRefusals.class);
  private final ListAppender<ILoggingEvent> logs = new ListAppender<>();

  @BeforeEach
  void captureLogs() {
    logs.start();
    logger.addAppender(logs);
  }

  @AfterEach
  void releaseLogs() {
    logger.detachAppender(logs);
  }

  @Test
  void everyRefusalIsCountedByTierButLoggedOnlyOnce() {
    for (int i = 0; i < 50; i++) {
      refusals.refused("redis", OOM);
      refusals.refused("lease", OOM);
    }

    assertThat(refused("redis")).isEqualTo(50);
    assertThat(refused("lease")).isEqualTo(50);
    assertThat(lines())
        .singleElement()
        .satisfies(
            line ->
                assertThat(line)
                    .startsWith("WARN Redis redis://127.0.0.1:6379/0 is full and refuses writes")
                    .contains(OOM));
  }

  @Test
  void writesAcceptedNowAndThenBetweenRefusalsDoNotEndTheEpisode() {
    refusals.refused("redis", OOM);

    for (int i = 0; i < 20; i++) {
      clock.advance(Duration.ofSeconds(10));
      refusals.accepted();
      refusals.refused("redis", OOM);
    }

    assertThat(lines()).hasSize(1);
  }

  @Test
  void aWriteAcceptedAQuietPeriodAfterTheLastRefusalIsLoggedOnceAsRecovery() {
    refusals.refused("redis", OOM);
    refusals.refused("redis", OOM);
    refusals.refused("lease", OOM);

    clock.advance(WriteRefusals.QUIET);
    for (int i = 0; i < 5; i++) {
      refusals.accepted();
    }

    assertThat(lines())
        .hasSize(2)
        .last()
        .isEqualTo(
            "INFO Redis redis://127.0.0.1:6379/0 accepts writes again (3 refused while it was full)");
  }

  @Test
  void aRefusalAfterRecoveryStartsANewEpisode() {
    refusals.refused("redis", OOM);
    clock.advance(WriteRefusals.QUIET);
    refusals.accepted();

    refusals.refused("redis", OOM);

    assertThat(lines()).hasSize(3).last().asString().contains("is full and refuses writes");
  }

  @Test
  void acceptedWritesLogNothingWhileRedisHasRoom() {
    for (int i = 0; i < 10; i++) {
      refusals.accepted();
    }

    assertThat(lines()).isEmpty();
    assertThat(registry.find("cachegate.store.writes.refused").counter()).isNull();
  }

  private double refused(String tier) {
    return registry
        .get("cachegate.store.writes.refused")
        .tag("tier", tier)
        .tag("reason", "full")
        .counter()
        .count();
  }

  private List<String> lines() {
    return logs.list.stream()
        .map(event -> event.getLevel() + " " + event.getFormattedMessage())
        .toList();
  }
}
