package io.mixstream.tools.replay;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

class ProgressTest {
  // the grouping separator is the default locale's ("2,000", "2.000", "2 000"): digits are kept
  private static final Pattern RATE = Pattern.compile("images, ([0-9][^/ ]*)/s \\(done\\)");

  private static double finishedRate(ByteArrayOutputStream bytes) {
    String text = bytes.toString(StandardCharsets.UTF_8).trim();
    Matcher m = RATE.matcher(text);
    assertThat(m.find()).as("a rate in %s", text).isTrue();
    return Double.parseDouble(m.group(1).replaceAll("[^0-9]", ""));
  }

  /** The replay's last line and its summary gave two rates: the bar counted the topic's setup. */
  @Test
  void theRateCountsFromTheClockStartNotFromConstruction() throws Exception {
    ByteArrayOutputStream counted = new ByteArrayOutputStream();
    Progress fromStart =
        new Progress(new PrintStream(counted, true, StandardCharsets.UTF_8), "images", 100, false);
    ByteArrayOutputStream uncounted = new ByteArrayOutputStream();
    Progress setupIncluded =
        new Progress(
            new PrintStream(uncounted, true, StandardCharsets.UTF_8), "images", 100, false);
    Thread.sleep(1000); // the setup: reading a folder, preparing the topic
    fromStart.startClock();
    Thread.sleep(50); // the work
    fromStart.finish(100);
    setupIncluded.finish(100);
    // 100 in about 0.05 s is about 2,000/s (over 200/s unless the work took 0.5 s on a loaded
    // machine); with the setup counted, under 100 / 1.05 s = 95/s
    assertThat(finishedRate(uncounted)).isLessThan(96);
    assertThat(finishedRate(counted)).isGreaterThan(200);
  }
}
