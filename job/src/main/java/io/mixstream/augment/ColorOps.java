package io.mixstream.augment;

/**
 * torchvision's colour operations on a planar RGB float image in [0,1], in place. Each clamps to
 * [0,1] as torchvision's tensor versions do.
 */
final class ColorOps {
  private static final float LUMA_R = 0.299f;
  private static final float LUMA_G = 0.587f;
  private static final float LUMA_B = 0.114f;

  private ColorOps() {}

  static void brightness(float[] img, float factor) {
    for (int i = 0; i < img.length; i++) {
      img[i] = clamp(img[i] * factor);
    }
  }

  /** Blend with the mean luma of the whole image. */
  static void contrast(float[] img, float factor) {
    int n = img.length / 3;
    double sum = 0;
    for (int i = 0; i < n; i++) {
      sum += LUMA_R * img[i] + LUMA_G * img[n + i] + LUMA_B * img[2 * n + i];
    }
    float mean = (float) (sum / n);
    float offset = (1 - factor) * mean;
    for (int i = 0; i < img.length; i++) {
      img[i] = clamp(factor * img[i] + offset);
    }
  }

  /** Blend each pixel with its own luma. */
  static void saturation(float[] img, float factor) {
    int n = img.length / 3;
    for (int i = 0; i < n; i++) {
      float grey = LUMA_R * img[i] + LUMA_G * img[n + i] + LUMA_B * img[2 * n + i];
      float offset = (1 - factor) * grey;
      img[i] = clamp(factor * img[i] + offset);
      img[n + i] = clamp(factor * img[n + i] + offset);
      img[2 * n + i] = clamp(factor * img[2 * n + i] + offset);
    }
  }

  /** Rotate the hue by {@code shift} turns (in [-0.5, 0.5]) through HSV. */
  static void hue(float[] img, float shift) {
    int n = img.length / 3;
    for (int i = 0; i < n; i++) {
      float r = img[i];
      float g = img[n + i];
      float b = img[2 * n + i];
      float max = Math.max(r, Math.max(g, b));
      float min = Math.min(r, Math.min(g, b));
      float chroma = max - min;
      float s = max == min ? 0 : chroma / max;
      float h;
      if (max == min) {
        h = 0;
      } else if (max == r) {
        h = (g - b) / chroma;
      } else if (max == g) {
        h = 2f + (b - r) / chroma;
      } else {
        h = 4f + (r - g) / chroma;
      }
      h = h / 6f + shift;
      // wrap to [0,1): h is in (-0.5, 1.5), so h - floor(h) is h + 1, h or h - 1 (the same floats)
      if (h < 0) {
        h += 1f;
      } else if (h >= 1) {
        h -= 1f;
      }
      float v = max;
      float h6 = h * 6f;
      int whole = (int) h6; // floor: h6 is not negative
      int sector = whole % 6;
      float f = h6 - whole;
      float p = clamp(v * (1 - s));
      float q = clamp(v * (1 - s * f));
      float t = clamp(v * (1 - s * (1 - f)));
      switch (sector) {
        case 0 -> set(img, n, i, v, t, p);
        case 1 -> set(img, n, i, q, v, p);
        case 2 -> set(img, n, i, p, v, t);
        case 3 -> set(img, n, i, p, q, v);
        case 4 -> set(img, n, i, t, p, v);
        default -> set(img, n, i, v, p, q);
      }
    }
  }

  /** Luma copied to all three channels. */
  static void grayscale(float[] img) {
    int n = img.length / 3;
    for (int i = 0; i < n; i++) {
      float grey = LUMA_R * img[i] + LUMA_G * img[n + i] + LUMA_B * img[2 * n + i];
      img[i] = grey;
      img[n + i] = grey;
      img[2 * n + i] = grey;
    }
  }

  /** Mirror each row. */
  static void flipHorizontal(float[] img, int side) {
    int planes = img.length / (side * side);
    for (int c = 0; c < planes; c++) {
      for (int y = 0; y < side; y++) {
        int row = c * side * side + y * side;
        for (int x = 0; x < side / 2; x++) {
          float t = img[row + x];
          img[row + x] = img[row + side - 1 - x];
          img[row + side - 1 - x] = t;
        }
      }
    }
  }

  private static void set(float[] img, int n, int i, float r, float g, float b) {
    img[i] = r;
    img[n + i] = g;
    img[2 * n + i] = b;
  }

  private static float clamp(float v) {
    return v < 0 ? 0 : (v > 1 ? 1 : v);
  }
}
