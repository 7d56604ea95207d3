package io.mixstream.tools.replay;

import java.time.Duration;

/**
 * What to publish and how fast.
 *
 * @param topic destination topic
 * @param epochs passes over the data; ignored when {@code loop}
 * @param loop repeat until stopped (or until {@code limit})
 * @param shuffle publish each epoch in a seeded random order
 * @param seed the shuffle's seed
 * @param ratePerSecond images per second, or 0 for as fast as the broker takes them
 * @param limit stop after this many images in all, or 0 for no limit
 * @param partitions partitions of the topic if this run creates it
 * @param timeout how long to wait for the broker before giving up
 */
public record ReplayPlan(
    String topic,
    int epochs,
    boolean loop,
    boolean shuffle,
    long seed,
    double ratePerSecond,
    long limit,
    int partitions,
    Duration timeout) {

  public ReplayPlan {
    if (topic == null || topic.isBlank()) {
      throw new IllegalArgumentException("--topic must name a topic");
    }
    if (epochs < 1) {
      throw new IllegalArgumentException("--epochs must be at least 1, got " + epochs);
    }
    if (ratePerSecond < 0) {
      throw new IllegalArgumentException("--rate must be 0 (unthrottled) or positive");
    }
    if (limit < 0) {
      throw new IllegalArgumentException("--limit must be 0 (none) or positive");
    }
    if (timeout.toMillis() < 1000) {
      throw new IllegalArgumentException(
          "--timeout must be at least 1 second, got " + timeout.toSeconds());
    }
    if (partitions < 1) {
      throw new IllegalArgumentException("--partitions must be at least 1, got " + partitions);
    }
  }

  /** Images this plan publishes for a dataset of {@code size}, or -1 when it loops forever. */
  public long total(int size) {
    if (loop) {
      return limit > 0 ? limit : -1;
    }
    long all = (long) size * epochs;
    return limit > 0 ? Math.min(limit, all) : all;
  }
}
