package io.mixstream.tools.replay;

import java.util.Random;

/** The order in which one epoch publishes a dataset: as stored, or a seeded shuffle. */
public final class ReplayOrder {
  private ReplayOrder() {}

  /**
   * Indices 0..size-1 for {@code epoch}. With {@code shuffle}, a Fisher-Yates permutation drawn
   * from a generator seeded by (seed, epoch): the same seed gives the same order, and each epoch
   * its own.
   */
  public static int[] of(int size, boolean shuffle, long seed, int epoch) {
    int[] order = new int[size];
    for (int i = 0; i < size; i++) {
      order[i] = i;
    }
    if (shuffle) {
      Random random = new Random(seed * 1_000_003L + epoch);
      for (int i = size - 1; i > 0; i--) {
        int j = random.nextInt(i + 1);
        int t = order[i];
        order[i] = order[j];
        order[j] = t;
      }
    }
    return order;
  }
}
