package io.mixstream.tools.replay;

import java.io.PrintStream;

/**
 * Progress of long work: a bar with rate and ETA redrawn in place on a terminal, plain lines every
 * few seconds otherwise (logs, CI).
 */
public final class Progress {
  private static final long LINE_INTERVAL_NANOS = 5_000_000_000L;
  private static final long BAR_INTERVAL_NANOS = 200_000_000L;

  private final PrintStream out;
  private final String what;
  private final long total;
  private final boolean terminal;
  private long start = System.nanoTime();
  private long lastPrint = start;

  /**
   * @param total expected count, or -1 when unknown (no ETA)
   * @param terminal redraw one line in place instead of printing lines
   */
  public Progress(PrintStream out, String what, long total, boolean terminal) {
    this.out = out;
    this.what = what;
    this.total = total;
    this.terminal = terminal;
  }

  /** Whether standard output is an interactive terminal. */
  public static boolean stdoutIsTerminal() {
    return System.console() != null && System.getenv("CI") == null;
  }

  /**
   * The rate counts from now: what came before (reading a folder, preparing a topic) is not in it,
   * so that the last line's rate is the one the summary gives.
   */
  public void startClock() {
    start = System.nanoTime();
    lastPrint = start;
  }

  public void update(long done) {
    long now = System.nanoTime();
    if (now - lastPrint < (terminal ? BAR_INTERVAL_NANOS : LINE_INTERVAL_NANOS)) {
      return;
    }
    lastPrint = now;
    print(done, now, false);
  }

  /** The last line, when the work is done. */
  public void finish(long done) {
    print(done, System.nanoTime(), true, " (done)");
  }

  /** The last line, when the work stopped before it was done (a failure, Ctrl-C). */
  public void stopped(long done) {
    print(done, System.nanoTime(), true, " (stopped)");
  }

  private void print(long done, long now, boolean last) {
    print(done, now, last, "");
  }

  private void print(long done, long now, boolean last, String ending) {
    double seconds = Math.max(1e-9, (now - start) / 1e9);
    double rate = done / seconds;
    String eta =
        total > 0 && rate > 0 && !last ? " ETA " + formatDuration((total - done) / rate) : "";
    String count = total > 0 ? "%,d/%,d".formatted(done, total) : "%,d".formatted(done);
    if (terminal) {
      String bar = total > 0 ? bar(done / (double) total) + " " : "";
      out.print(
          "\r"
              + bar
              + count
              + " "
              + what
              + "  "
              + "%,.0f/s".formatted(rate)
              + eta
              + ending
              + "   ");
      if (last) {
        out.println();
      }
    } else {
      out.println(count + " " + what + ", " + "%,.0f/s".formatted(rate) + eta + ending);
    }
    out.flush();
  }

  private static String bar(double fraction) {
    int width = 30;
    int filled = (int) Math.round(Math.max(0, Math.min(1, fraction)) * width);
    return "["
        + "#".repeat(filled)
        + "-".repeat(width - filled)
        + "] %3.0f%%".formatted(fraction * 100);
  }

  static String formatDuration(double seconds) {
    long s = Math.round(seconds);
    return s >= 3600
        ? "%dh%02dm".formatted(s / 3600, s / 60 % 60)
        : "%dm%02ds".formatted(s / 60, s % 60);
  }
}
