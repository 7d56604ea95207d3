package io.mixstream.testing;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.core.LogEvent;
import org.apache.logging.log4j.core.Logger;
import org.apache.logging.log4j.core.appender.AbstractAppender;
import org.apache.logging.log4j.core.config.Property;

/** The lines one class logs while this is open, as "LEVEL message", for tests of what users see. */
public final class LogLines implements AutoCloseable {
  private final List<String> lines = new CopyOnWriteArrayList<>();
  private final Logger logger;
  private final AbstractAppender appender;

  public LogLines(Class<?> source) {
    logger = (Logger) LogManager.getLogger(source);
    appender =
        new AbstractAppender(
            "lines-of-" + source.getName(), null, null, true, Property.EMPTY_ARRAY) {
          @Override
          public void append(LogEvent e) {
            lines.add(e.getLevel() + " " + e.getMessage().getFormattedMessage());
          }
        };
    appender.start();
    logger.addAppender(appender);
  }

  /** Every line so far, in order. */
  public List<String> lines() {
    return List.copyOf(lines);
  }

  /** The lines so far that contain {@code text}. */
  public List<String> containing(String text) {
    return lines.stream().filter(l -> l.contains(text)).toList();
  }

  @Override
  public void close() {
    logger.removeAppender(appender);
    appender.stop();
  }
}
