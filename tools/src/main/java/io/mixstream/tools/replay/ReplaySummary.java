package io.mixstream.tools.replay;

import java.time.Duration;

/**
 * What a replay did.
 *
 * @param images records acknowledged by the broker
 * @param bytes value bytes acknowledged
 * @param elapsed wall time from the first send to the last acknowledgement
 */
public record ReplaySummary(long images, long bytes, Duration elapsed) {
  public double imagesPerSecond() {
    double s = elapsed.toNanos() / 1e9;
    return s > 0 ? images / s : 0;
  }

  @Override
  public String toString() {
    return "published %,d images (%.1f MB) in %.1f s: %,.0f images/s"
        .formatted(images, bytes / 1e6, elapsed.toNanos() / 1e9, imagesPerSecond());
  }
}
