package io.mixstream.job.embed;

import java.util.Arrays;

/**
 * The latencies of one metrics interval, for its percentiles: the most recent {@code capacity} of
 * them when there were more (a window, not a reservoir: the interval's end is what a user watches).
 */
final class LatencyWindow {
  private final long[] samples;
  private int size;
  private long total;

  LatencyWindow(int capacity) {
    samples = new long[capacity];
  }

  void add(long millis) {
    samples[(int) (total % samples.length)] = millis;
    total++;
    size = Math.min(size + 1, samples.length);
  }

  /**
   * The {@code p}-th percentile (0 < p ≤ 100) by the nearest-rank rule; NaN when empty.
   *
   * @param p e.g. 50 or 99
   */
  double percentile(double p) {
    if (size == 0) {
      return Double.NaN;
    }
    long[] sorted = Arrays.copyOf(samples, size);
    Arrays.sort(sorted);
    int rank = (int) Math.ceil(p / 100.0 * size);
    return sorted[Math.max(0, rank - 1)];
  }

  void clear() {
    size = 0;
    total = 0;
  }
}
