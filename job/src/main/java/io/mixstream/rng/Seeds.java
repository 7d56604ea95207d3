package io.mixstream.rng;

/** Derives independent generator seeds from a tuple of numbers (SplitMix64 finalizer). */
public final class Seeds {
  private Seeds() {}

  public static long mix(long... parts) {
    long h = 0x9E3779B97F4A7C15L;
    for (long p : parts) {
      h = finalizer(h ^ finalizer(p + 0x9E3779B97F4A7C15L));
    }
    return h;
  }

  private static long finalizer(long z) {
    z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
    z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
    return z ^ (z >>> 31);
  }
}
