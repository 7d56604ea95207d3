package io.mixstream.augment;

import java.util.Arrays;

/**
 * Hue rotation through HSV (torchvision's _rgb2hsv and _hsv2rgb) on a planar RGB float image in
 * [0,1], in place, giving the floats of the per-pixel algorithm:
 *
 * <pre>
 *   v = max(r,g,b), chroma = v − min(r,g,b), s = chroma / v (0 where chroma is 0)
 *   h = (g−b)/chroma if v = r, else 2 + (b−r)/chroma if v = g, else 4 + (r−g)/chroma (0 if grey)
 *   h = h/6 + shift, wrapped into [0,1) by ±1;  h6 = 6h, i = ⌊h6⌋, f = h6 − i, sector = i mod 6
 *   p = clamp(v(1−s)), q = clamp(v(1−sf)), t = clamp(v(1−s(1−f)))
 *   (r,g,b) = (v,t,p) (q,v,p) (p,v,t) (p,q,v) (t,p,v) (v,p,q) by sector
 * </pre>
 *
 * <p>Branch-free, so that the JIT vectorises it (the loop with branches took 12.6-16.6 µs a CIFAR
 * image, this one 8.0-8.2; BENCHMARKS.md, issue 13): each choice is a sum of candidates weighted by
 * exact 0/1 indicators, which adds only zeros to the chosen float, and each step is a short loop
 * over one tile of pixels (the vectoriser gives up on long loop bodies and on loops reading three
 * planes of one array).
 */
final class HueRotation {
  private static final int TILE = ColorOps.TILE;

  /** 2^100: a positive float times it twice is at least 2^51, even the smallest subnormal. */
  private static final float HUGE = 0x1p100f;

  /** 2^23: adding and subtracting it rounds a float in [0, 2^22] to the nearest integer. */
  private static final float ROUNDER = 0x1p23f;

  /** Each thread's scratch, as plain float arrays (ColorOps says why). */
  private static final ThreadLocal<float[][]> SCRATCH =
      ThreadLocal.withInitial(() -> new float[21][TILE]);

  private final float[] r;
  private final float[] g;
  private final float[] b;
  private final float[] value;
  private final float[] chroma;
  private final float[] saturation;
  private final float[] maxIsR;
  private final float[] maxIsG;
  private final float[] hue;
  private final float[] whole;
  private final float[] fraction;
  private final float[] sector;
  private final float[] p;
  private final float[] q;
  private final float[] t;
  private final float[][] inSector;

  private HueRotation(float[][] scratch) {
    r = scratch[0];
    g = scratch[1];
    b = scratch[2];
    value = scratch[3];
    chroma = scratch[4];
    saturation = scratch[5];
    maxIsR = scratch[6];
    maxIsG = scratch[7];
    hue = scratch[8];
    whole = scratch[9];
    fraction = scratch[10];
    sector = scratch[11];
    p = scratch[12];
    q = scratch[13];
    t = scratch[14];
    inSector = Arrays.copyOfRange(scratch, 15, 21);
  }

  /** Rotate the hue by {@code shift} turns (in [-0.5, 0.5]). */
  static void rotate(float[] img, float shift) {
    HueRotation scratch = new HueRotation(SCRATCH.get());
    int n = img.length / 3;
    for (int base = 0; base < n; base += TILE) {
      int len = Math.min(TILE, n - base);
      ColorOps.copyPlanesIn(img, n, base, len, scratch.r, scratch.g, scratch.b);
      scratch.toHsv(len);
      scratch.shift(len, shift);
      scratch.toRgb(len);
      ColorOps.copyPlanesOut(scratch.r, scratch.g, scratch.b, img, n, base, len);
    }
  }

  /** 1 where d ≥ 0 (+0 and −0 included), else 0. */
  private static float atLeastZero(float d) {
    return 1f - Math.min(1f, Math.max(0f, -d) * HUGE * HUGE);
  }

  /** 1 where the integer-valued k equals the integer i, else 0. */
  private static float equals(float k, float i) {
    return 1f - Math.min(1f, Math.abs(k - i));
  }

  private void toHsv(int len) {
    for (int j = 0; j < len; j++) {
      value[j] = Math.max(r[j], Math.max(g[j], b[j]));
    }
    for (int j = 0; j < len; j++) {
      chroma[j] = value[j] - Math.min(r[j], Math.min(g[j], b[j]));
    }
    // s = chroma / v, and 0 where chroma is 0: a black pixel (v = 0) gives 0 / MIN_VALUE = 0
    for (int j = 0; j < len; j++) {
      saturation[j] = chroma[j] / Math.max(value[j], Float.MIN_VALUE);
    }
    for (int j = 0; j < len; j++) {
      maxIsR[j] = atLeastZero(r[j] - value[j]);
    }
    for (int j = 0; j < len; j++) {
      maxIsG[j] = atLeastZero(g[j] - value[j]) * (1f - maxIsR[j]);
    }
    // a grey pixel has chroma 0 and v = r, so its hue is 0 / MIN_VALUE = 0; elsewhere each
    // difference is at most the chroma, so every candidate is finite and the unchosen add 0
    for (int j = 0; j < len; j++) {
      float c = Math.max(chroma[j], Float.MIN_VALUE);
      hue[j] =
          (g[j] - b[j]) / c * maxIsR[j]
              + (2f + (b[j] - r[j]) / c) * maxIsG[j]
              + (4f + (r[j] - g[j]) / c) * (1f - maxIsR[j] - maxIsG[j]);
    }
  }

  private void shift(int len, float shift) {
    for (int j = 0; j < len; j++) {
      hue[j] = hue[j] / 6f + shift;
    }
    // h is in (-0.5, 1.5): +1 below 0, −1 at 1 or above
    for (int j = 0; j < len; j++) {
      hue[j] = hue[j] + (1f - atLeastZero(hue[j])) - atLeastZero(hue[j] - 1f);
    }
    for (int j = 0; j < len; j++) {
      hue[j] = hue[j] * 6f;
    }
    // ⌊h6⌋ for h6 in [0,6]: round to nearest, then one less where that rounded up
    for (int j = 0; j < len; j++) {
      float nearest = (hue[j] + ROUNDER) - ROUNDER;
      whole[j] = nearest - 1f + atLeastZero(hue[j] - nearest);
    }
    for (int j = 0; j < len; j++) {
      fraction[j] = hue[j] - whole[j];
    }
    for (int j = 0; j < len; j++) {
      sector[j] = whole[j] - 6f * atLeastZero(whole[j] - 6f);
    }
  }

  private void toRgb(int len) {
    for (int j = 0; j < len; j++) {
      p[j] = ColorOps.clamp(value[j] * (1 - saturation[j]));
    }
    for (int j = 0; j < len; j++) {
      q[j] = ColorOps.clamp(value[j] * (1 - saturation[j] * fraction[j]));
    }
    for (int j = 0; j < len; j++) {
      t[j] = ColorOps.clamp(value[j] * (1 - saturation[j] * (1 - fraction[j])));
    }
    for (int k = 0; k < 6; k++) {
      float[] in = inSector[k];
      for (int j = 0; j < len; j++) {
        in[j] = equals(sector[j], k);
      }
    }
    float[] s0 = inSector[0];
    float[] s1 = inSector[1];
    float[] s2 = inSector[2];
    float[] s3 = inSector[3];
    float[] s4 = inSector[4];
    float[] s5 = inSector[5];
    float[] v = value;
    for (int j = 0; j < len; j++) {
      r[j] = v[j] * (s0[j] + s5[j]) + q[j] * s1[j] + p[j] * (s2[j] + s3[j]) + t[j] * s4[j];
    }
    for (int j = 0; j < len; j++) {
      g[j] = t[j] * s0[j] + v[j] * (s1[j] + s2[j]) + q[j] * s3[j] + p[j] * (s4[j] + s5[j]);
    }
    for (int j = 0; j < len; j++) {
      b[j] = p[j] * (s0[j] + s1[j]) + t[j] * s2[j] + v[j] * (s3[j] + s4[j]) + q[j] * s5[j];
    }
  }
}
