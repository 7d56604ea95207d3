package io.mixstream.augment;

/** CIFAR-10's per-channel mean and std (§1.6), applied after scaling to [0,1]. */
public final class Normalization {
  public static final float[] MEAN = {0.4914f, 0.4822f, 0.4465f};
  public static final float[] STD = {0.2023f, 0.1994f, 0.2010f};

  private Normalization() {}

  /** Normalises {@code image} (planar RGB in [0,1]) into {@code out} at {@code offset}. */
  static void normalizeInto(float[] image, float[] out, int offset) {
    int plane = image.length / 3;
    for (int c = 0; c < 3; c++) {
      float mean = MEAN[c];
      float inv = 1f / STD[c];
      int base = c * plane;
      for (int i = 0; i < plane; i++) {
        out[offset + base + i] = (image[base + i] - mean) * inv;
      }
    }
  }

  /**
   * The test transform of §1.6: planar RGB bytes scaled to [0,1] and normalised, for a batch of
   * images laid end to end.
   */
  public static float[] testTransform(byte[][] images) {
    int n = images.length;
    int size = images[0].length;
    float[] out = new float[n * size];
    float[] scaled = new float[size];
    for (int b = 0; b < n; b++) {
      for (int i = 0; i < size; i++) {
        scaled[i] = (images[b][i] & 0xFF) / 255f;
      }
      normalizeInto(scaled, out, b * size);
    }
    return out;
  }
}
