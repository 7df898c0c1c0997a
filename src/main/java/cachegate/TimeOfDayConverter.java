package cachegate;

import ch.qos.logback.classic.pattern.ClassicConverter;
import ch.qos.logback.classic.spi.ILoggingEvent;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;

/**
 * The event's time as {@code HH:mm:ss.SSS} in the default time zone, as {@code %d{HH:mm:ss.SSS}}
 * writes it, formatting the hours, minutes and seconds once a second rather than for every
 * millisecond: logback's date converter runs a {@link DateTimeFormatter} whenever the millisecond
 * changed, which the access log at thousands of lines a second paid on most lines.
 */
final class TimeOfDayConverter extends ClassicConverter {
  private static final DateTimeFormatter SECOND = DateTimeFormatter.ofPattern("HH:mm:ss.");

  /** One second's text, {@code HH:mm:ss.}, and the second and zone it is for. */
  private record Second(long epochSecond, ZoneId zone, String text) {}

  private volatile Second last = new Second(Long.MIN_VALUE, ZoneId.of("UTC"), "");

  /** The default time zone, read once as logback's date converter does. */
  private final ZoneId zone = ZoneId.systemDefault();

  @Override
  public String convert(ILoggingEvent event) {
    return format(event.getTimeStamp(), zone);
  }

  /** {@code millis} since the epoch as {@code HH:mm:ss.SSS} in {@code zone}. */
  String format(long millis, ZoneId zone) {
    long epochSecond = Math.floorDiv(millis, 1000);
    Second second = last;
    if (second.epochSecond() != epochSecond || !second.zone().equals(zone)) {
      second =
          new Second(
              epochSecond,
              zone,
              SECOND.format(ZonedDateTime.ofInstant(Instant.ofEpochSecond(epochSecond), zone)));
      last = second;
    }
    int milli = Math.floorMod(millis, 1000);
    return new StringBuilder(12)
        .append(second.text())
        .append((char) ('0' + milli / 100))
        .append((char) ('0' + milli / 10 % 10))
        .append((char) ('0' + milli % 10))
        .toString();
  }
}
