package io.mixstream.quality;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The measures of §17 on hand-made embeddings whose answers are known on paper: a collapsed set, a
 * set spread evenly over the axes, sets of known singular values, and random sets against a slow
 * pair-by-pair computation written out here.
 */
class QualityMeasuresTest {
  /** Rows of n·d floats from doubles. */
  private static float[] floats(double[][] rows) {
    int d = rows[0].length;
    float[] out = new float[rows.length * d];
    for (int i = 0; i < rows.length; i++) {
      for (int k = 0; k < d; k++) {
        out[i * d + k] = (float) rows[i][k];
      }
    }
    return out;
  }

  private static double rankMeOfSingularValues(double... sigma) {
    double sum = 0;
    for (double s : sigma) {
      sum += s;
    }
    double h = 0;
    for (double s : sigma) {
      double p = s / sum + 1e-7;
      h -= p * Math.log(p);
    }
    return Math.exp(h);
  }

  @Test
  void aCollapsedSetHasRankOneNoSpreadNoDistanceAndIsFlagged() {
    int n = 50;
    int d = 16;
    double[][] rows = new double[n][d];
    for (double[] r : rows) {
      r[3] = 0.6;
      r[7] = -0.8; // every image at one point of the sphere
    }
    float[] z = floats(rows);
    QualityMeasures m = QualityMeasures.of(z, z, z, n, d);
    // one singular value: p = (1+ε, ε, ..., ε) over the d values
    assertThat(m.rankMe())
        .isCloseTo(
            rankMeOfSingularValues(1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0), within(1e-9));
    assertThat(m.rankMe()).isCloseTo(1, within(1e-3));
    assertThat(m.embeddingStd()).isZero();
    assertThat(m.alignment()).isZero();
    assertThat(m.uniformity()).isCloseTo(0, within(1e-15)); // log mean exp(0)
    assertThat(m.collapsed(0.25, 0.01)).isTrue();
  }

  @Test
  void theAxesBothWaysAreAsUniformAsItGetsAndAnswerAsOnPaper() {
    int d = 8;
    int n = 2 * d; // +e_k and -e_k
    double[][] rows = new double[n][d];
    for (int k = 0; k < d; k++) {
      rows[2 * k][k] = 1;
      rows[2 * k + 1][k] = -1;
    }
    float[] z = floats(rows);
    QualityMeasures m = QualityMeasures.of(z, z, z, n, d);
    assertThat(m.rankMe())
        .as("d equal singular values")
        .isCloseTo(rankMeOfSingularValues(1, 1, 1, 1, 1, 1, 1, 1), within(1e-9))
        .isCloseTo(d, within(1e-4));
    // each dimension: two entries ±1 among n, mean 0, sample variance 2/(n-1)
    assertThat(m.embeddingStd()).isCloseTo(Math.sqrt(2.0 / (n - 1)), within(1e-12));
    // pairs: d of them opposite (squared distance 4), the rest orthogonal (2)
    double pairs = n * (n - 1) / 2.0;
    double expected = Math.log((d * Math.exp(-8) + (pairs - d) * Math.exp(-4)) / pairs);
    assertThat(m.uniformity()).isCloseTo(expected, within(1e-12));
    assertThat(m.collapsed(0.25, 0.01)).isFalse();
  }

  @Test
  void alignmentIsTheMeanSquaredDistanceBetweenAnImagesTwoViews() {
    int d = 3;
    float[] a = floats(new double[][] {{1, 0, 0}, {0, 1, 0}, {0, 0, 1}, {0.6, 0.8, 0}});
    float[] b = floats(new double[][] {{0, 1, 0}, {0, 1, 0}, {0, 0, -1}, {0.8, 0.6, 0}});
    // squared distances 2, 0, 4 and 0.04 + 0.04
    assertThat(QualityMeasures.alignment(a, b, 4, d))
        .isCloseTo((2 + 0 + 4 + 0.08) / 4, within(1e-6));
  }

  /** Z = U·diag(σ)·Vᵀ, U's columns disjoint row groups, V random orthonormal: σ known exactly. */
  private static float[] knownSpectrum(double[] sigma, int n, int d, long seed) {
    Random rnd = new Random(seed);
    int r = sigma.length;
    double[][] v = new double[r][d]; // r orthonormal vectors by Gram-Schmidt
    for (int j = 0; j < r; j++) {
      for (int k = 0; k < d; k++) {
        v[j][k] = rnd.nextGaussian();
      }
      for (int i = 0; i < j; i++) {
        double dot = 0;
        for (int k = 0; k < d; k++) {
          dot += v[j][k] * v[i][k];
        }
        for (int k = 0; k < d; k++) {
          v[j][k] -= dot * v[i][k];
        }
      }
      double norm = 0;
      for (int k = 0; k < d; k++) {
        norm += v[j][k] * v[j][k];
      }
      for (int k = 0; k < d; k++) {
        v[j][k] /= Math.sqrt(norm);
      }
    }
    double[][] rows = new double[n][d];
    int group = n / r;
    for (int i = 0; i < r * group; i++) {
      int j = i / group; // row i belongs to U's column j, whose entries are 1/√group
      for (int k = 0; k < d; k++) {
        rows[i][k] = sigma[j] / Math.sqrt(group) * v[j][k];
      }
    }
    return floats(rows);
  }

  @Test
  void rankMeOfASetOfKnownRankAndSingularValues() {
    int n = 120;
    int d = 32;
    double[] equal = {2, 2, 2, 2, 2};
    assertThat(QualityMeasures.rankMe(knownSpectrum(equal, n, d, 1), n, d))
        .as("rank 5, equal singular values: RankMe 5 (float rows leave the other 27 at ~1e-7)")
        .isCloseTo(rankMeOfSingularValues(2, 2, 2, 2, 2), within(1e-3))
        .isCloseTo(5, within(1e-3));
    double[] falling = {9, 5, 3, 1.5, 1, 0.5, 0.25, 0.1};
    double expected = rankMeOfSingularValues(falling);
    assertThat(QualityMeasures.rankMe(knownSpectrum(falling, n, d, 2), n, d))
        .isCloseTo(expected, within(1e-3));
    assertThat(expected).isBetween(4.0, 6.0); // far from both the rank (8) and 1
  }

  /** The slow way: every pair of rows in turn, each distance from its coordinates. */
  private static double slowUniformity(float[] z, int n, int d) {
    double sum = 0;
    int pairs = 0;
    for (int i = 0; i < n; i++) {
      for (int j = 0; j < n; j++) {
        if (i < j) {
          double dist = 0;
          for (int k = 0; k < d; k++) {
            dist += Math.pow((double) z[i * d + k] - z[j * d + k], 2);
          }
          sum += Math.exp(-2 * dist);
          pairs++;
        }
      }
    }
    return Math.log(sum / pairs);
  }

  private static double slowStd(float[] z, int n, int d) {
    double total = 0;
    for (int k = 0; k < d; k++) {
      double[] column = new double[n];
      for (int i = 0; i < n; i++) {
        column[i] = z[i * d + k];
      }
      double mean = java.util.Arrays.stream(column).average().orElseThrow();
      double ss = java.util.Arrays.stream(column).map(x -> (x - mean) * (x - mean)).sum();
      total += Math.sqrt(ss / (n - 1));
    }
    return total / d;
  }

  private static float[] randomUnitRows(int n, int d, long seed) {
    Random rnd = new Random(seed);
    double[][] rows = new double[n][d];
    for (double[] r : rows) {
      double norm = 0;
      for (int k = 0; k < d; k++) {
        r[k] = rnd.nextGaussian();
        norm += r[k] * r[k];
      }
      for (int k = 0; k < d; k++) {
        r[k] /= Math.sqrt(norm);
      }
    }
    return floats(rows);
  }

  @Test
  void randomSetsAgreeWithTheSlowComputationAndLookHealthy() {
    int n = 300;
    int d = 64;
    float[] a = randomUnitRows(n, d, 3);
    float[] b = randomUnitRows(n, d, 4);
    float[] c = randomUnitRows(n, d, 5);
    QualityMeasures m = QualityMeasures.of(a, b, c, n, d);
    assertThat(m.uniformity())
        .isCloseTo((slowUniformity(b, n, d) + slowUniformity(c, n, d)) / 2, within(1e-12));
    assertThat(m.embeddingStd()).isCloseTo(slowStd(a, n, d), within(1e-12));
    assertThat(m.embeddingStd()).isCloseTo(1 / Math.sqrt(d), within(0.01));
    assertThat(m.rankMe()).as("random directions use nearly all of d").isBetween(0.85 * d, 1.0 * d);
    assertThat(m.alignment()).as("unrelated views: about 2").isCloseTo(2, within(0.1));
    assertThat(m.collapsed(0.25, 0.01)).isFalse();
  }

  @Test
  void embeddingsThatAreNotFiniteSayCollapse() {
    int d = 4;
    float[] z = randomUnitRows(8, d, 7);
    z[5] = Float.NaN;
    QualityMeasures m = QualityMeasures.of(z, z, z, 8, d);
    assertThat(m.embeddingStd()).isNaN();
    assertThat(m.collapsed(0.25, 0.01)).isTrue();
    float[] fine = randomUnitRows(8, d, 8);
    float[] brokenView = fine.clone();
    brokenView[3] = Float.NaN;
    QualityMeasures viewOnly = QualityMeasures.of(fine, brokenView, fine, 8, d);
    assertThat(viewOnly.alignment()).isNaN();
    assertThat(viewOnly.collapsed(0.0, 0.0)).as("any measure not a number").isTrue();
  }

  @Test
  void aCollapseNeedsThreeReadingsInARowAndIsSaidOnce() {
    int d = 16;
    float[] healthy = randomUnitRows(64, d, 6);
    float[] point = new float[64 * d];
    for (int i = 0; i < 64; i++) {
      point[i * d] = 1;
    }
    QualityMeasures ok = QualityMeasures.of(healthy, healthy, healthy, 64, d);
    QualityMeasures bad = QualityMeasures.of(point, point, point, 64, d);
    CollapseWatch w = new CollapseWatch(0.25, 0.01, 0);
    assertThat(w.observe(bad)).isFalse();
    assertThat(w.observe(bad)).isFalse();
    assertThat(w.observe(ok)).as("a healthy reading ends the streak").isFalse();
    assertThat(w.observe(bad)).isFalse();
    assertThat(w.observe(bad)).isFalse();
    assertThat(w.collapsed()).isFalse();
    assertThat(w.observe(bad)).as("the third in a row").isTrue();
    assertThat(w.collapsed()).isTrue();
    assertThat(w.observe(bad)).as("said once, not at every reading").isFalse();
    assertThat(w.collapsed()).isTrue();
    CollapseWatch restored = new CollapseWatch(0.25, 0.01, 2); // a streak from a checkpoint
    assertThat(restored.observe(bad)).isTrue();
  }
}
