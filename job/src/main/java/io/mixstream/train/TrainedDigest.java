package io.mixstream.train;

import java.nio.charset.StandardCharsets;

/**
 * An order-independent digest of the (image id, epoch) pairs a trainer has trained: the sum, modulo
 * 2⁶⁴, of a 64-bit hash of each pair, and their count. Two runs that trained the same pairs the
 * same number of times have the same digest whatever the order; a pair trained twice or not at all
 * changes it. Kept in the trainer's checkpointed state, it rolls back with everything else on a
 * restore, so after any number of failures it still says what the model was trained on.
 */
public final class TrainedDigest {
  private long sum;
  private long count;

  public TrainedDigest() {}

  /** A digest restored from {@link #sum()} and {@link #count()}. */
  public TrainedDigest(long sum, long count) {
    this.sum = sum;
    this.count = count;
  }

  public void add(String imageId, int epoch) {
    sum += hash(imageId, epoch);
    count++;
  }

  public long sum() {
    return sum;
  }

  public long count() {
    return count;
  }

  /**
   * The pair's hash: FNV-1a over the id's UTF-8 bytes, then the epoch's four bytes, then
   * SplitMix64's finaliser to spread it over all 64 bits.
   */
  public static long hash(String imageId, int epoch) {
    long h = 0xcbf29ce484222325L;
    for (byte b : imageId.getBytes(StandardCharsets.UTF_8)) {
      h = (h ^ (b & 0xff)) * 0x100000001b3L;
    }
    for (int shift = 24; shift >= 0; shift -= 8) {
      h = (h ^ ((epoch >>> shift) & 0xff)) * 0x100000001b3L;
    }
    h = (h ^ (h >>> 30)) * 0xbf58476d1ce4e5b9L;
    h = (h ^ (h >>> 27)) * 0x94d049bb133111ebL;
    return h ^ (h >>> 31);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof TrainedDigest d && d.sum == sum && d.count == count;
  }

  @Override
  public int hashCode() {
    return Long.hashCode(sum) * 31 + Long.hashCode(count);
  }

  @Override
  public String toString() {
    return "%016x/%d".formatted(sum, count);
  }
}
