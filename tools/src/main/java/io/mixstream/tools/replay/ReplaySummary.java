package io.mixstream.tools.replay;

import java.time.Duration;

/**
 * What a replay did.
 *
 * @param images records acknowledged by the broker
 * @param bytes value bytes acknowledged
 * @param elapsed wall time from the first send to the last acknowledgement
 * @param skipped distinct images the source could not read or send (each named when skipped)
 * @param resized distinct images sent scaled down, being too large to send as they were
 * @param ignored files passed over as not images, by extension
 */
public record ReplaySummary(
    long images,
    long bytes,
    Duration elapsed,
    int skipped,
    int resized,
    java.util.Map<String, Integer> ignored) {
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
            (skipped == 0
                    ? ""
                    : "; %,d file(s) skipped (unreadable or too large)".formatted(skipped))
                + (resized == 0 ? "" : "; %,d resized to fit".formatted(resized))
                + passedOver(ignored));
  }

  /** "; not images, passed over: 2 .txt, 1 .pdf", or "" when none were. */
  public static String passedOver(java.util.Map<String, Integer> ignored) {
    return ignored.isEmpty()
        ? ""
        : "; not images, passed over: "
            + String.join(
                ", ",
                ignored.entrySet().stream().map(e -> e.getValue() + " " + e.getKey()).toList());
  }
}
