package io.mixstream.quality;

/**
 * The eigenvalues of a real symmetric matrix by the cyclic Jacobi method: rotations that zero one
 * off-diagonal element at a time, sweep after sweep, until the off-diagonal part is negligible.
 * Slow (O(d³) a sweep) but plain and accurate to rounding; RankMe needs it once per measurement on
 * a d×d Gram matrix, d = 128 by default.
 */
final class SymmetricEigen {
  private static final int MAX_SWEEPS = 100;

  private SymmetricEigen() {}

  /**
   * @param matrix d×d row-major, symmetric; not changed
   * @return its d eigenvalues, in no particular order
   */
  static double[] values(double[] matrix, int d) {
    double[] a = matrix.clone();
    double scale = 0;
    for (double x : a) {
      scale = Math.max(scale, Math.abs(x));
    }
    if (!Double.isFinite(scale)) { // NaN embeddings: no rotation would end
      double[] nan = new double[d];
      java.util.Arrays.fill(nan, Double.NaN);
      return nan;
    }
    for (int sweep = 0; sweep < MAX_SWEEPS; sweep++) {
      double off = 0;
      for (int p = 0; p < d; p++) {
        for (int q = p + 1; q < d; q++) {
          off += a[p * d + q] * a[p * d + q];
        }
      }
      if (off <= 1e-30 * scale * scale || scale == 0) {
        break;
      }
      for (int p = 0; p < d; p++) {
        for (int q = p + 1; q < d; q++) {
          rotate(a, d, p, q);
        }
      }
    }
    double[] out = new double[d];
    for (int i = 0; i < d; i++) {
      out[i] = a[i * d + i];
    }
    return out;
  }

  /** One Jacobi rotation in the (p, q) plane that makes a[p][q] zero (Golub and Van Loan 8.5). */
  private static void rotate(double[] a, int d, int p, int q) {
    double apq = a[p * d + q];
    if (apq == 0) {
      return;
    }
    double app = a[p * d + p];
    double aqq = a[q * d + q];
    double theta = (aqq - app) / (2 * apq);
    double t = Math.signum(theta) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
    if (theta == 0) {
      t = 1;
    }
    double c = 1 / Math.sqrt(t * t + 1);
    double s = t * c;
    for (int k = 0; k < d; k++) {
      double akp = a[k * d + p];
      double akq = a[k * d + q];
      a[k * d + p] = c * akp - s * akq;
      a[k * d + q] = s * akp + c * akq;
    }
    for (int k = 0; k < d; k++) {
      double apk = a[p * d + k];
      double aqk = a[q * d + k];
      a[p * d + k] = c * apk - s * aqk;
      a[q * d + k] = s * apk + c * aqk;
    }
  }
}
