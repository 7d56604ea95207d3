package io.mixstream.mixing;

import java.util.random.RandomGenerator;

/**
 * A CutMix box on a side x side image: rows [top, bottom), columns [left, right). λ is the exact
 * fraction of pixels outside it, 1 − area/side² (§3).
 */
public record CutMixBox(int side, int top, int bottom, int left, int right) {

  public int area() {
    return (bottom - top) * (right - left);
  }

  /** The share of the mixed image that comes from the base image. */
  public double lambda() {
    return 1.0 - (double) area() / (side * side);
  }

  /** The cut side for a λ₀: floor(side·√(1−λ₀)). */
  public static int cutSide(double lambda0, int side) {
    return (int) Math.floor(side * Math.sqrt(1.0 - lambda0));
  }

  /**
   * A box of cut side {@code cut} around a uniform random centre, clipped at the borders (§3).
   *
   * @param neverEmpty mix-ssl's rule: an empty side grows by one pixel (Un-Mix does not do this)
   */
  public static CutMixBox sample(int side, int cut, boolean neverEmpty, RandomGenerator rng) {
    int cx = rng.nextInt(side);
    int cy = rng.nextInt(side);
    int half = cut / 2;
    int top = clip(cx - half, side);
    int bottom = clip(cx + half, side);
    int left = clip(cy - half, side);
    int right = clip(cy + half, side);
    if (neverEmpty) {
      if (top == bottom) {
        bottom++;
      }
      if (left == right) {
        right++;
      }
    }
    return new CutMixBox(side, top, bottom, left, right);
  }

  private static int clip(int v, int side) {
    return Math.max(0, Math.min(side, v));
  }

  /** Whether pixel (row, col) is inside the box. */
  public boolean contains(int row, int col) {
    return row >= top && row < bottom && col >= left && col < right;
  }
}
