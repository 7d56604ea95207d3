package io.mixstream.rng;

import java.util.random.RandomGenerator;

/**
 * Fisher-Yates, from the last position down, one {@code nextInt(i + 1)} per position: every seeded
 * order in mixstream (augmentation, the key shuffle, replay, quality runs) is drawn this one way.
 */
public final class Shuffle {
  private Shuffle() {}

  public static void inPlace(int[] a, RandomGenerator rng) {
    for (int i = a.length - 1; i > 0; i--) {
      int j = rng.nextInt(i + 1);
      int t = a[i];
      a[i] = a[j];
      a[j] = t;
    }
  }

  /** 0 .. n-1, shuffled. */
  public static int[] permutation(int n, RandomGenerator rng) {
    int[] p = new int[n];
    for (int i = 0; i < n; i++) {
      p[i] = i;
    }
    inPlace(p, rng);
    return p;
  }
}
