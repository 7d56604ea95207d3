package io.mixstream.quality;

/**
 * The label-free measures of docs/ALGORITHM.md §17 on one window of images, each from the
 * L2-normalised embeddings the kNN monitor uses (§2), in double precision.
 *
 * @param images n, the window's images
 * @param dim d, the embedding's size
 * @param rankMe exp of the entropy of the normalised singular values of the n×d embeddings, 1 to
 *     min(n, d) (Garrido et al. 2023): how many directions the embeddings use
 * @param alignment mean squared distance between the two views' embeddings of an image, 0 to 4
 *     (Wang and Isola 2020, α = 2): low is good
 * @param uniformity log of the mean of exp(−2·squared distance) over pairs of images of one view,
 *     averaged over the two views, 0 down to −4·n/(n−1) (t = 2): low is good, 0 is every image at
 *     one point
 * @param embeddingStd the mean over dimensions of the std over images of the embeddings: 0 for a
 *     collapse, about 1/√d when they spread over the sphere
 */
public record QualityMeasures(
    int images, int dim, double rankMe, double alignment, double uniformity, double embeddingStd) {

  /** Garrido et al.'s ε, added to each normalised singular value so that log never sees 0. */
  static final double RANKME_EPSILON = 1e-7;

  /**
   * @param plain [n, d] embeddings of the images as the kNN monitor sees them (test transform)
   * @param view1 [n, d] embeddings of one augmented view of the same images, in the same order
   * @param view2 [n, d] of another
   */
  public static QualityMeasures of(float[] plain, float[] view1, float[] view2, int n, int d) {
    if (n < 2 || plain.length != n * d || view1.length != n * d || view2.length != n * d) {
      throw new IllegalArgumentException(
          "the measures need at least 2 images of n×d = %d×%d embeddings each".formatted(n, d));
    }
    return new QualityMeasures(
        n,
        d,
        rankMe(plain, n, d),
        alignment(view1, view2, n, d),
        (uniformity(view1, n, d) + uniformity(view2, n, d)) / 2,
        embeddingStd(plain, n, d));
  }

  /**
   * Whether these measures say collapse: the std under {@code stdBelow}/√d, or RankMe under {@code
   * rankBelow}·d (§17). A measure that is not a finite number (NaN embeddings) says collapse too.
   */
  public boolean collapsed(double stdBelow, double rankBelow) {
    return !(embeddingStd >= stdBelow / Math.sqrt(dim))
        || !(rankMe >= rankBelow * dim)
        || !Double.isFinite(alignment)
        || !Double.isFinite(uniformity);
  }

  /**
   * exp(−Σ p_k log p_k), p_k = σ_k / Σσ + ε, the σ_k the singular values of Z: the square roots of
   * the eigenvalues of the d×d Gram matrix ZᵀZ. 0 when every embedding is 0.
   */
  static double rankMe(float[] z, int n, int d) {
    double[] gram = new double[d * d];
    double[] row = new double[d];
    for (int i = 0; i < n; i++) {
      for (int a = 0; a < d; a++) {
        row[a] = z[i * d + a];
      }
      for (int a = 0; a < d; a++) {
        double za = row[a];
        if (za == 0) {
          continue;
        }
        int base = a * d;
        for (int b = a; b < d; b++) {
          gram[base + b] += za * row[b];
        }
      }
    }
    for (int a = 0; a < d; a++) {
      for (int b = 0; b < a; b++) {
        gram[a * d + b] = gram[b * d + a];
      }
    }
    double[] eigen = SymmetricEigen.values(gram, d);
    double sum = 0;
    double[] sigma = new double[d];
    for (int k = 0; k < d; k++) {
      sigma[k] = Math.sqrt(Math.max(0, eigen[k])); // rounding can leave -1e-17 for a 0
      sum += sigma[k];
    }
    if (sum == 0) {
      return 0;
    }
    double entropy = 0;
    for (double s : sigma) {
      double p = s / sum + RANKME_EPSILON;
      entropy -= p * Math.log(p);
    }
    return Math.exp(entropy);
  }

  /** The mean over images of ‖a_i − b_i‖². */
  static double alignment(float[] a, float[] b, int n, int d) {
    double sum = 0;
    for (int i = 0; i < n * d; i++) {
      double diff = (double) a[i] - b[i];
      sum += diff * diff;
    }
    return sum / n;
  }

  /**
   * log of the mean over pairs i &lt; j of exp(−2‖z_i − z_j‖²). The squared distance is summed
   * coordinate by coordinate rather than taken as 2 − 2·z_i·z_j, so that rows not exactly of norm 1
   * (float rounding) cannot make it negative. Rows are summed in parallel, each into its own slot,
   * then the slots in order: the same double whatever the threads.
   */
  static double uniformity(float[] z, int n, int d) {
    double[] rowSums = new double[n];
    java.util.stream.IntStream.range(0, n)
        .parallel()
        .forEach(
            i -> {
              double sum = 0;
              for (int j = i + 1; j < n; j++) {
                double dist = 0;
                for (int k = 0; k < d; k++) {
                  double diff = (double) z[i * d + k] - z[j * d + k];
                  dist += diff * diff;
                }
                sum += Math.exp(-2 * dist);
              }
              rowSums[i] = sum;
            });
    double sum = 0;
    for (double s : rowSums) {
      sum += s;
    }
    return Math.log(sum / ((double) n * (n - 1) / 2));
  }

  /** The mean over the d dimensions of the sample std (n − 1) over the images. */
  static double embeddingStd(float[] z, int n, int d) {
    double total = 0;
    for (int k = 0; k < d; k++) {
      double mean = 0;
      for (int i = 0; i < n; i++) {
        mean += z[i * d + k];
      }
      mean /= n;
      double var = 0;
      for (int i = 0; i < n; i++) {
        double diff = z[i * d + k] - mean;
        var += diff * diff;
      }
      total += Math.sqrt(var / (n - 1));
    }
    return total / d;
  }
}
