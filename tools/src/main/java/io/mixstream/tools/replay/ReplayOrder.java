package io.mixstream.tools.replay;

import io.mixstream.rng.Shuffle;
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
      Shuffle.inPlace(order, new Random(seed * 1_000_003L + epoch));
    }
    return order;
  }
}
