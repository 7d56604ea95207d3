package io.mixstream.eval;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.Shape;
import io.mixstream.augment.Normalization;
import io.mixstream.torch.GradMode;

/**
 * The activation-based attention of ALGORITHM.md §10: layer4's output for an S×S image, A(h,w) =
 * mean over channels of F_c(h,w)^p, bilinearly upsampled to S×S (PyTorch's align_corners=False) and
 * min–max normalised to [0, 1].
 */
public final class AttentionMaps {
  private AttentionMaps() {}

  /**
   * @param image planar RGB bytes of a side×side image
   * @param power p: 1 (F ≥ 0 after the ReLU) or 2 (Zagoruyko and Komodakis)
   * @return side×side values in [0, 1], row-major
   */
  public static float[] of(LoadedEncoder encoder, byte[] image, int side, int power) {
    if (image.length != 3 * side * side) {
      throw new IllegalArgumentException(
          "need planar RGB of %dx%d; got %d bytes".formatted(side, side, image.length));
    }
    float[] coarse;
    int h;
    int w;
    try (GradMode off = GradMode.off();
        NDScope scope = new NDScope()) {
      scope.suppressNotUsedWarning();
      NDArray x =
          encoder
              .manager()
              .create(
                  Normalization.testTransform(
                      new byte[][] {image}, encoder.snapshot().channelStats()),
                  new Shape(1, 3, side, side));
      NDArray f = encoder.encoder().forward(x, false).featureMap();
      h = (int) f.getShape().get(2);
      w = (int) f.getShape().get(3);
      coarse = (power == 1 ? f : f.pow(power)).mean(new int[] {1}).toFloatArray();
    }
    return normalize(bilinear(coarse, h, w, side, side));
  }

  /** Bilinear resize with PyTorch's align_corners=False sampling, row-major in and out. */
  public static float[] bilinear(float[] in, int h, int w, int outH, int outW) {
    float[] out = new float[outH * outW];
    for (int y = 0; y < outH; y++) {
      double sy = Math.max(0, (y + 0.5) * h / outH - 0.5);
      int y0 = Math.min((int) sy, h - 1);
      int y1 = Math.min(y0 + 1, h - 1);
      double fy = sy - y0;
      for (int x = 0; x < outW; x++) {
        double sx = Math.max(0, (x + 0.5) * w / outW - 0.5);
        int x0 = Math.min((int) sx, w - 1);
        int x1 = Math.min(x0 + 1, w - 1);
        double fx = sx - x0;
        double top = in[y0 * w + x0] * (1 - fx) + in[y0 * w + x1] * fx;
        double bottom = in[y1 * w + x0] * (1 - fx) + in[y1 * w + x1] * fx;
        out[y * outW + x] = (float) (top * (1 - fy) + bottom * fy);
      }
    }
    return out;
  }

  /** (v − min)/(max − min); all zeros when the map is flat. */
  static float[] normalize(float[] v) {
    float min = Float.POSITIVE_INFINITY;
    float max = Float.NEGATIVE_INFINITY;
    for (float x : v) {
      min = Math.min(min, x);
      max = Math.max(max, x);
    }
    float[] out = new float[v.length];
    if (max > min) {
      for (int i = 0; i < v.length; i++) {
        out[i] = (v[i] - min) / (max - min);
      }
    }
    return out;
  }
}
