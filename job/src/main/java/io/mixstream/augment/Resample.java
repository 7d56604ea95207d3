package io.mixstream.augment;

/**
 * Antialiased bilinear resampling, PIL's {@code Image.resize(..., BILINEAR)} and torchvision's
 * {@code antialias=True}: separable, first along rows then along columns. For an axis of {@code in}
 * source pixels and {@code out} output pixels, scale s = in/out and filter scale f = max(s, 1);
 * output pixel o is centred at c = (o + 0.5)·s in source coordinates and is the normalised sum over
 * source pixels i of tri((i + 0.5 − c)/f)·x_i, where tri(t) = max(0, 1 − |t|), over the pixels with
 * |i + 0.5 − c| < f (those whose weight is not zero). Upscaling (s ≤ 1, f = 1) is plain bilinear
 * with half-pixel centres whose weights renormalise at the borders; downscaling widens the triangle
 * to f source pixels, averaging every pixel it covers. Unlike PIL, which rounds to 8 bits between
 * the two passes, the result stays in floats.
 */
final class Resample {
  /** 0.0 to 255.0 by byte value: a load, not a conversion (see ResizedCrop's BYTE_VALUE). */
  private static final double[] BYTE_VALUE = new double[256];

  static {
    for (int i = 0; i < 256; i++) {
      BYTE_VALUE[i] = i;
    }
  }

  private Resample() {}

  /** For one axis: each output pixel's first source pixel and its normalised weights. */
  record Taps(int[] first, double[][] weights) {
    static Taps of(int in, int out) {
      double scale = (double) in / out;
      double filterScale = Math.max(scale, 1.0);
      int[] first = new int[out];
      double[][] weights = new double[out][];
      for (int o = 0; o < out; o++) {
        double centre = (o + 0.5) * scale;
        int lo = Math.max(0, (int) Math.floor(centre - filterScale));
        int hi = Math.min(in, (int) Math.ceil(centre + filterScale));
        double[] w = new double[hi - lo];
        double sum = 0;
        for (int i = lo; i < hi; i++) {
          double t = Math.abs((i + 0.5 - centre) / filterScale);
          w[i - lo] = Math.max(0, 1 - t);
          sum += w[i - lo];
        }
        for (int k = 0; k < w.length; k++) {
          w[k] /= sum;
        }
        first[o] = lo;
        weights[o] = w;
      }
      return new Taps(first, weights);
    }
  }

  /**
   * The window of a planar byte image ({@code channels} planes of h×w), resampled to outH×outW
   * planar values in [0, 1].
   */
  static float[] resize(
      byte[] src, int channels, int h, int w, ResizedCrop.Window win, int outH, int outW) {
    Taps rows = Taps.of(win.width(), outW); // along a row: the columns
    Taps cols = Taps.of(win.height(), outH);
    float[] out = new float[channels * outH * outW];
    double[] horizontal = new double[win.height() * outW];
    for (int c = 0; c < channels; c++) {
      int plane = c * h * w;
      for (int y = 0; y < win.height(); y++) {
        int row = plane + (win.top() + y) * w + win.left();
        for (int x = 0; x < outW; x++) {
          double[] k = rows.weights()[x];
          int from = row + rows.first()[x];
          double v = 0;
          for (int t = 0; t < k.length; t++) {
            v += k[t] * BYTE_VALUE[src[from + t] & 0xFF];
          }
          horizontal[y * outW + x] = v;
        }
      }
      int outPlane = c * outH * outW;
      for (int y = 0; y < outH; y++) {
        double[] k = cols.weights()[y];
        int from = cols.first()[y];
        for (int x = 0; x < outW; x++) {
          double v = 0;
          for (int t = 0; t < k.length; t++) {
            v += k[t] * horizontal[(from + t) * outW + x];
          }
          out[outPlane + y * outW + x] = (float) (v / 255.0);
        }
      }
    }
    return out;
  }
}
