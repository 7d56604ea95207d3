package io.mixstream.augment;

import io.mixstream.config.ChannelStats;

/** The per-channel normalisation after scaling to [0,1] (§1.6: CIFAR-10's mean and std). */
public final class Normalization {
  private Normalization() {}

  /** Normalises {@code image} (planar RGB in [0,1]) into {@code out} at {@code offset}. */
  static void normalizeInto(float[] image, float[] out, int offset, ChannelStats stats) {
    int plane = image.length / 3;
    for (int c = 0; c < 3; c++) {
      float mean = stats.mean()[c];
      float inv = 1f / stats.std()[c];
      int base = c * plane;
      for (int i = 0; i < plane; i++) {
        out[offset + base + i] = (image[base + i] - mean) * inv;
      }
    }
  }

  /**
   * The test transform of §1.6 after the images are S×S: planar RGB bytes scaled to [0,1] and
   * normalised, for a batch of images laid end to end.
   */
  public static float[] testTransform(byte[][] images, ChannelStats stats) {
    int n = images.length;
    int size = images[0].length;
    float[] out = new float[n * size];
    float[] scaled = new float[size];
    for (int b = 0; b < n; b++) {
      for (int i = 0; i < size; i++) {
        scaled[i] = (images[b][i] & 0xFF) / 255f;
      }
      normalizeInto(scaled, out, b * size, stats);
    }
    return out;
  }
}
