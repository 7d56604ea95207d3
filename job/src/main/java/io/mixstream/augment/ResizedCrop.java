package io.mixstream.augment;

import java.util.random.RandomGenerator;

/**
 * torchvision's RandomResizedCrop (§1.6): an area fraction in [scaleMin, scaleMax] and a
 * log-uniform aspect ratio in [ratioMin, ratioMax] (3/4 and 4/3 by default), up to ten tries, then
 * a centre crop clamped to those ratios; the crop is resized to the output size with bilinear
 * interpolation (half-pixel centres).
 */
final class ResizedCrop {
  /**
   * 0f to 255f by byte value: a load instead of an int-to-float conversion, which x86's cvtsi2ss
   * serialises through a false dependency on its destination register (the resize ran at a third of
   * the speed with the conversions inline). The same floats either way.
   */
  private static final float[] BYTE_VALUE = new float[256];

  static {
    for (int i = 0; i < 256; i++) {
      BYTE_VALUE[i] = i;
    }
  }

  /** top, left, height, width of a crop. */
  record Window(int top, int left, int height, int width) {}

  private ResizedCrop() {}

  static Window sample(
      int h,
      int w,
      double scaleMin,
      double scaleMax,
      double ratioMin,
      double ratioMax,
      RandomGenerator rng) {
    double area = (double) h * w;
    double logRatioMin = Math.log(ratioMin);
    double logRatioMax = Math.log(ratioMax);
    for (int attempt = 0; attempt < 10; attempt++) {
      double target = area * (scaleMin + (scaleMax - scaleMin) * rng.nextDouble());
      double ratio = Math.exp(logRatioMin + (logRatioMax - logRatioMin) * rng.nextDouble());
      int cw = (int) Math.round(Math.sqrt(target * ratio));
      int ch = (int) Math.round(Math.sqrt(target / ratio));
      if (cw > 0 && cw <= w && ch > 0 && ch <= h) {
        int top = rng.nextInt(h - ch + 1);
        int left = rng.nextInt(w - cw + 1);
        return new Window(top, left, ch, cw);
      }
    }
    double inRatio = (double) w / h;
    int cw;
    int ch;
    if (inRatio < ratioMin) {
      cw = w;
      ch = (int) Math.round(cw / ratioMin);
    } else if (inRatio > ratioMax) {
      ch = h;
      cw = (int) Math.round(ch * ratioMax);
    } else {
      cw = w;
      ch = h;
    }
    return new Window((h - ch) / 2, (w - cw) / 2, ch, cw);
  }

  /**
   * Bilinear resize of the window of a planar byte image to {@code out} (planar floats in [0,1],
   * outSide x outSide), align_corners=False like PyTorch; source coordinates below 0 clamp to 0.
   *
   * <p>Separable: each window row is interpolated across once, then each output row blends its two
   * interpolated rows. The floats are those of interpolating both rows for every output pixel (the
   * same expressions on the same values), with a third of the gathers at CIFAR's crop sizes, and
   * the blend a plain loop over contiguous floats.
   */
  static void resize(byte[] src, int channels, int h, int w, Window win, int outSide, float[] out) {
    // the taps of each output column and row, computed once (the same values, in the same float
    // arithmetic, as computing them per pixel and channel)
    int[] x0 = new int[outSide];
    int[] x1 = new int[outSide];
    float[] wx = new float[outSide];
    taps(win.width(), outSide, x0, x1, wx);
    int[] y0 = new int[outSide];
    int[] y1 = new int[outSide];
    float[] wy = new float[outSide];
    taps(win.height(), outSide, y0, y1, wy);
    int rows = win.height();
    float[] across = new float[rows * outSide]; // each window row interpolated across
    int plane = h * w;
    int outPlane = outSide * outSide;
    for (int c = 0; c < channels; c++) {
      int base = c * plane + win.top() * w + win.left();
      for (int y = 0; y < rows; y++) {
        int r = base + y * w;
        int o = y * outSide;
        for (int ox = 0; ox < outSide; ox++) {
          float a = BYTE_VALUE[src[r + x0[ox]] & 0xFF];
          float b = BYTE_VALUE[src[r + x1[ox]] & 0xFF];
          across[o + ox] = a + (b - a) * wx[ox];
        }
      }
      int outBase = c * outPlane;
      for (int oy = 0; oy < outSide; oy++) {
        int top = y0[oy] * outSide;
        int bottom = y1[oy] * outSide;
        float fy = wy[oy];
        int o = outBase + oy * outSide;
        for (int ox = 0; ox < outSide; ox++) {
          float t = across[top + ox];
          out[o + ox] = (t + (across[bottom + ox] - t) * fy) / 255f;
        }
      }
    }
  }

  /**
   * Half-pixel bilinear taps from {@code in} source pixels to {@code out}: i0, i1 and the weight.
   */
  private static void taps(int in, int out, int[] i0, int[] i1, float[] weight) {
    double scale = (double) in / out;
    for (int o = 0; o < out; o++) {
      double f = Math.max(0, (o + 0.5) * scale - 0.5);
      i0[o] = Math.min((int) f, in - 1);
      i1[o] = Math.min(i0[o] + 1, in - 1);
      weight[o] = (float) (f - i0[o]);
    }
  }
}
