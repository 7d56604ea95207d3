package io.mixstream.mixing;

/**
 * Mixes batches of planar images laid end to end ([B, C, side, side] floats): CutMix between two
 * aligned batches, CutMix or mixup with the reversed batch (image i with image B−1−i).
 */
public final class Mixing {
  private Mixing() {}

  /** M[i] = base[i] with the box taken from patches[i] (between branches: x1 with x2). */
  public static float[] pasteAligned(float[] base, float[] patches, int batch, CutMixBox box) {
    return paste(base, patches, batch, box, false);
  }

  /** M[i] = x[i] with the box taken from x[B−1−i] (in-batch mixing). */
  public static float[] pasteReversed(float[] x, int batch, CutMixBox box) {
    return paste(x, x, batch, box, true);
  }

  /** M[i] = λ₀·x[i] + (1−λ₀)·x[B−1−i] (Un-Mix's mixup branch). */
  public static float[] mixupReversed(float[] x, int batch, double lambda0) {
    int size = x.length / batch;
    float[] out = new float[x.length];
    float a = (float) lambda0;
    float b = (float) (1 - lambda0);
    for (int i = 0; i < batch; i++) {
      int src = (batch - 1 - i) * size;
      int dst = i * size;
      for (int k = 0; k < size; k++) {
        out[dst + k] = a * x[dst + k] + b * x[src + k];
      }
    }
    return out;
  }

  private static float[] paste(
      float[] base, float[] patches, int batch, CutMixBox box, boolean reversed) {
    int size = base.length / batch;
    int side = box.side();
    int plane = side * side;
    int channels = size / plane;
    float[] out = base.clone();
    int width = box.right() - box.left();
    if (width <= 0) {
      return out;
    }
    for (int i = 0; i < batch; i++) {
      int src = (reversed ? batch - 1 - i : i) * size;
      int dst = i * size;
      for (int c = 0; c < channels; c++) {
        for (int row = box.top(); row < box.bottom(); row++) {
          int off = c * plane + row * side + box.left();
          System.arraycopy(patches, src + off, out, dst + off, width);
        }
      }
    }
    return out;
  }
}
