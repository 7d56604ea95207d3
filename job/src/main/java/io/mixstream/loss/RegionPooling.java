package io.mixstream.loss;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import io.mixstream.augment.Augmenter;
import io.mixstream.mixing.CutMixBox;

/**
 * The region features of §6 without any 32x32 tensor: bilinear upsampling of the 4x4 feature map to
 * 32x32 and averaging inside (local) or outside (global) the box is one weighted 4x4 pool, with
 * weights W_in = a·bᵀ/area and W_out = (64·𝟙𝟙ᵀ − a·bᵀ)/(1024 − area), where a and b sum the rows
 * of the 32x4 interpolation matrix U over the box's rows and columns.
 */
public final class RegionPooling {
  public static final int MAP = 4;

  /** The network input side the pooling weights are computed for. */
  public static final int IMAGE = Augmenter.SIDE;

  /** Pool weights for one box. */
  public record Weights(float[] inside, float[] outside) {}

  private static final double[][] U = interpolationMatrix(IMAGE, MAP);

  private RegionPooling() {}

  /**
   * U[d][s]: the weight of source cell s in output pixel d of a bilinear, align_corners=False
   * upsampling from {@code in} to {@code out} (source coordinates below 0 clamp to 0).
   */
  public static double[][] interpolationMatrix(int out, int in) {
    double[][] u = new double[out][in];
    double scale = (double) in / out;
    for (int d = 0; d < out; d++) {
      double s = Math.max(0, (d + 0.5) * scale - 0.5);
      int i0 = Math.min((int) Math.floor(s), in - 1);
      int i1 = Math.min(i0 + 1, in - 1);
      double frac = s - i0;
      u[d][i0] += 1 - frac;
      u[d][i1] += frac;
    }
    return u;
  }

  public static Weights weights(CutMixBox box) {
    double[] a = new double[MAP];
    double[] b = new double[MAP];
    for (int row = box.top(); row < box.bottom(); row++) {
      for (int s = 0; s < MAP; s++) {
        a[s] += U[row][s];
      }
    }
    for (int col = box.left(); col < box.right(); col++) {
      for (int s = 0; s < MAP; s++) {
        b[s] += U[col][s];
      }
    }
    int area = box.area();
    int outsideArea = IMAGE * IMAGE - area;
    double cellPixels = (double) IMAGE * IMAGE / (MAP * MAP);
    float[] inside = new float[MAP * MAP];
    float[] outside = new float[MAP * MAP];
    for (int h = 0; h < MAP; h++) {
      for (int w = 0; w < MAP; w++) {
        double ab = a[h] * b[w];
        // An empty region (never for a mix-ssl box; λ₀ = 0 for the outside) pools to zero.
        inside[h * MAP + w] = area == 0 ? 0f : (float) (ab / area);
        outside[h * MAP + w] = outsideArea == 0 ? 0f : (float) ((cellPixels - ab) / outsideArea);
      }
    }
    return new Weights(inside, outside);
  }

  /** Σ_{h,w} weights[h,w]·F[:, :, h, w]: [B, C, 4, 4] → [B, C]. */
  public static NDArray pool(NDArray featureMap, float[] weights) {
    NDArray w = featureMap.getManager().create(weights, new Shape(1, 1, MAP, MAP));
    return featureMap.mul(w).sum(new int[] {2, 3});
  }
}
