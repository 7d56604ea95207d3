package io.mixstream.augment;

import java.util.random.RandomGenerator;

/**
 * torchvision's RandomResizedCrop (§1.6): an area fraction in [scaleMin, scaleMax] and a
 * log-uniform aspect ratio in [3/4, 4/3], up to ten tries, then a centre crop; the crop is resized
 * to the output size with bilinear interpolation (half-pixel centres).
 */
final class ResizedCrop {
  private static final double LOG_RATIO_MIN = Math.log(3.0 / 4.0);
  private static final double LOG_RATIO_MAX = Math.log(4.0 / 3.0);

  /** top, left, height, width of a crop. */
  record Window(int top, int left, int height, int width) {}

  private ResizedCrop() {}

  static Window sample(int h, int w, double scaleMin, double scaleMax, RandomGenerator rng) {
    double area = (double) h * w;
    for (int attempt = 0; attempt < 10; attempt++) {
      double target = area * (scaleMin + (scaleMax - scaleMin) * rng.nextDouble());
      double ratio = Math.exp(LOG_RATIO_MIN + (LOG_RATIO_MAX - LOG_RATIO_MIN) * rng.nextDouble());
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
    if (inRatio < 3.0 / 4.0) {
      cw = w;
      ch = (int) Math.round(cw / (3.0 / 4.0));
    } else if (inRatio > 4.0 / 3.0) {
      ch = h;
      cw = (int) Math.round(ch * (4.0 / 3.0));
    } else {
      cw = w;
      ch = h;
    }
    return new Window((h - ch) / 2, (w - cw) / 2, ch, cw);
  }

  /**
   * Bilinear resize of the window of a planar byte image to {@code out} (planar floats in [0,1],
   * outSide x outSide), align_corners=False like PyTorch; source coordinates below 0 clamp to 0.
   */
  static void resize(byte[] src, int channels, int h, int w, Window win, int outSide, float[] out) {
    double sy = (double) win.height() / outSide;
    double sx = (double) win.width() / outSide;
    int plane = h * w;
    int outPlane = outSide * outSide;
    for (int oy = 0; oy < outSide; oy++) {
      double fy = Math.max(0, (oy + 0.5) * sy - 0.5);
      int y0 = Math.min((int) fy, win.height() - 1);
      int y1 = Math.min(y0 + 1, win.height() - 1);
      float wy = (float) (fy - y0);
      int r0 = (win.top() + y0) * w + win.left();
      int r1 = (win.top() + y1) * w + win.left();
      for (int ox = 0; ox < outSide; ox++) {
        double fx = Math.max(0, (ox + 0.5) * sx - 0.5);
        int x0 = Math.min((int) fx, win.width() - 1);
        int x1 = Math.min(x0 + 1, win.width() - 1);
        float wx = (float) (fx - x0);
        for (int c = 0; c < channels; c++) {
          int base = c * plane;
          float a = src[base + r0 + x0] & 0xFF;
          float b = src[base + r0 + x1] & 0xFF;
          float d = src[base + r1 + x0] & 0xFF;
          float e = src[base + r1 + x1] & 0xFF;
          float top = a + (b - a) * wx;
          float bottom = d + (e - d) * wx;
          out[c * outPlane + oy * outSide + ox] = (top + (bottom - top) * wy) / 255f;
        }
      }
    }
  }
}
