package io.mixstream.tools.replay;

import java.time.Duration;

/**
 * What a replay did.
 *
 * @param images records acknowledged by the broker
 * @param bytes value bytes acknowledged
 * @param elapsed wall time from the first send to the last acknowledgement
 * @param skipped distinct images the source could not read (each named when it was skipped)
 */
public record ReplaySummary(long images, long bytes, Duration elapsed, int skipped) {
  public double imagesPerSecond() {
    double s = elapsed.toNanos() / 1e9;
    return s > 0 ? images / s : 0;
  }

  @Override
  public String toString() {
    return "published %,d images (%.1f MB) in %.1f s: %,.0f images/s%s"
        .formatted(
            images,
            bytes / 1e6,
            elapsed.toNanos() / 1e9,
            imagesPerSecond(),
            skipped == 0 ? "" : "; %,d unreadable file(s) skipped".formatted(skipped));
  }
}
