package io.mixstream.loss;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import io.mixstream.mixing.CutMixBox;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The region features of §6 without any S×S tensor: bilinear upsampling of the M×M feature map to
 * S×S and averaging inside (local) or outside (global) the box is one weighted M×M pool, with
 * weights W_in = a·bᵀ/area and W_out = (r·rᵀ − a·bᵀ)/(S² − area), where a and b sum the rows of the
 * S×M interpolation matrix U over the box's rows and columns and r sums all of them (r_h = S/M when
 * M divides S: 8 for CIFAR's 32 → 4).
 */
public final class RegionPooling {
  /** Pool weights for one box on an M×M map. */
  public record Weights(int mapSide, float[] inside, float[] outside) {}

  private static final Map<Long, double[][]> MATRICES = new ConcurrentHashMap<>();

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

  /**
   * @param mapSide M, the side of layer4's output for the box's image side
   */
  public static Weights weights(CutMixBox box, int mapSide) {
    int image = box.side();
    double[][] u =
        MATRICES.computeIfAbsent(
            ((long) image << 32) | mapSide, k -> interpolationMatrix(image, mapSide));
    double[] a = new double[mapSide];
    double[] b = new double[mapSide];
    double[] r = new double[mapSide];
    for (int row = 0; row < image; row++) {
      for (int s = 0; s < mapSide; s++) {
        r[s] += u[row][s];
      }
    }
    for (int row = box.top(); row < box.bottom(); row++) {
      for (int s = 0; s < mapSide; s++) {
        a[s] += u[row][s];
      }
    }
    for (int col = box.left(); col < box.right(); col++) {
      for (int s = 0; s < mapSide; s++) {
        b[s] += u[col][s];
      }
    }
    int area = box.area();
    int outsideArea = image * image - area;
    float[] inside = new float[mapSide * mapSide];
    float[] outside = new float[mapSide * mapSide];
    for (int h = 0; h < mapSide; h++) {
      for (int w = 0; w < mapSide; w++) {
        double ab = a[h] * b[w];
        // An empty region (never for a mix-ssl box; λ₀ = 0 for the outside) pools to zero.
        inside[h * mapSide + w] = area == 0 ? 0f : (float) (ab / area);
        outside[h * mapSide + w] =
            outsideArea == 0 ? 0f : (float) ((r[h] * r[w] - ab) / outsideArea);
      }
    }
    return new Weights(mapSide, inside, outside);
  }

  /** Σ_{h,w} weights[h,w]·F[:, :, h, w]: [B, C, M, M] → [B, C]. */
  public static NDArray pool(NDArray featureMap, float[] weights) {
    int m = (int) featureMap.getShape().get(2);
    NDArray w = featureMap.getManager().create(weights, new Shape(1, 1, m, m));
    return featureMap.mul(w).sum(new int[] {2, 3});
  }
}
