package io.mixstream.augment;

/**
 * torchvision's colour operations on a planar RGB float image in [0,1], in place. Each clamps to
 * [0,1] as torchvision's tensor versions do.
 *
 * <p>Written for the JIT's auto-vectoriser, which vectorises loops without branches (Math.min/max
 * clamps) that index their arrays from 0, and not a loop reading three planes of one array at
 * offsets. So the planes are copied a tile at a time into arrays of their own, and the floats are
 * those of the per-pixel expressions (a clamp of -0 may give +0, which nothing after tells apart:
 * the values compare equal and normalisation subtracts a non-zero mean). Measured on CIFAR views
 * (BENCHMARKS.md, issue 13): brightness 4.0 to 0.7 µs an image, contrast 5.8 to 1.8, saturation 3.8
 * to 1.3.
 */
final class ColorOps {
  private static final float LUMA_R = 0.299f;
  private static final float LUMA_G = 0.587f;
  private static final float LUMA_B = 0.114f;

  /** Pixels per tile: a tile's scratch arrays (16 KB here, 84 KB for the hue) stay in cache. */
  static final int TILE = 1024;

  /**
   * Each thread's scratch, as plain float arrays: a value of a class of this job's would keep the
   * job's class loader alive in the JVM-wide pool threads after the job ends.
   */
  private static final ThreadLocal<float[][]> SCRATCH =
      ThreadLocal.withInitial(() -> new float[4][TILE]);

  /** One tile of each plane, and its luma: loops over them index from 0, which vectorises. */
  private static final class Tiles {
    final float[] r;
    final float[] g;
    final float[] b;
    final float[] grey;

    Tiles() {
      float[][] scratch = SCRATCH.get();
      r = scratch[0];
      g = scratch[1];
      b = scratch[2];
      grey = scratch[3];
    }

    /** Copies pixels base..base+len of each plane in and computes their luma. */
    void load(float[] img, int n, int base, int len) {
      copyPlanesIn(img, n, base, len, r, g, b);
      // R·0.299 + G·0.587 + B·0.114, added in that order
      for (int j = 0; j < len; j++) {
        grey[j] = LUMA_R * r[j] + LUMA_G * g[j] + LUMA_B * b[j];
      }
    }

    void store(float[] img, int n, int base, int len) {
      copyPlanesOut(r, g, b, img, n, base, len);
    }
  }

  /** Pixels base..base+len of each of the image's n-pixel planes into r, g and b from 0. */
  static void copyPlanesIn(float[] img, int n, int base, int len, float[] r, float[] g, float[] b) {
    System.arraycopy(img, base, r, 0, len);
    System.arraycopy(img, n + base, g, 0, len);
    System.arraycopy(img, 2 * n + base, b, 0, len);
  }

  /** The reverse of {@link #copyPlanesIn}. */
  static void copyPlanesOut(
      float[] r, float[] g, float[] b, float[] img, int n, int base, int len) {
    System.arraycopy(r, 0, img, base, len);
    System.arraycopy(g, 0, img, n + base, len);
    System.arraycopy(b, 0, img, 2 * n + base, len);
  }

  private ColorOps() {}

  static void brightness(float[] img, float factor) {
    for (int i = 0; i < img.length; i++) {
      img[i] = clamp(img[i] * factor);
    }
  }

  /** Blend with the mean luma of the whole image. */
  static void contrast(float[] img, float factor) {
    int n = img.length / 3;
    Tiles tiles = new Tiles();
    double sum = 0;
    for (int base = 0; base < n; base += TILE) {
      int len = Math.min(TILE, n - base);
      tiles.load(img, n, base, len);
      for (int j = 0; j < len; j++) {
        sum += tiles.grey[j];
      }
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
    Tiles tiles = new Tiles();
    float[] offset = tiles.grey;
    for (int base = 0; base < n; base += TILE) {
      int len = Math.min(TILE, n - base);
      tiles.load(img, n, base, len);
      for (int j = 0; j < len; j++) {
        offset[j] = (1 - factor) * offset[j];
      }
      for (float[] plane : new float[][] {tiles.r, tiles.g, tiles.b}) {
        for (int j = 0; j < len; j++) {
          plane[j] = clamp(factor * plane[j] + offset[j]);
        }
      }
      tiles.store(img, n, base, len);
    }
  }

  /** Rotate the hue by {@code shift} turns (in [-0.5, 0.5]) through HSV. */
  static void hue(float[] img, float shift) {
    HueRotation.rotate(img, shift);
  }

  /** Luma copied to all three channels. */
  static void grayscale(float[] img) {
    int n = img.length / 3;
    Tiles tiles = new Tiles();
    for (int base = 0; base < n; base += TILE) {
      int len = Math.min(TILE, n - base);
      tiles.load(img, n, base, len);
      System.arraycopy(tiles.grey, 0, img, base, len);
      System.arraycopy(tiles.grey, 0, img, n + base, len);
      System.arraycopy(tiles.grey, 0, img, 2 * n + base, len);
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

  /** To [0,1], without a branch so that the loops around it vectorise. */
  static float clamp(float v) {
    return Math.min(Math.max(v, 0f), 1f);
  }
}
