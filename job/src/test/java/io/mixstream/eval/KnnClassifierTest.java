package io.mixstream.eval;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.NDManager;
import java.util.Comparator;
import java.util.SplittableRandom;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

public class KnnClassifierTest {
  @Test
  void handMadeVectorsVoteAsCalculatedByHand() {
    // bank on the unit circle: class 0 at 0° and 10°, class 1 at 90°, class 2 at 100° and 110°
    float[] bank = unit(0, 10, 90, 100, 110);
    int[] labels = {0, 0, 1, 2, 2};
    // a test vector at 80°, k = 3: neighbours 90° (class 1, cos 10° = 0.985),
    // 100° (class 2, cos 20° = 0.940) and 110° (class 2, cos 30° = 0.866).
    // t = 0.1: class 1 scores e^9.85 = 18,958; class 2 e^9.40 + e^8.66 = 12,088 + 5,770 = 17,858.
    // So class 1 wins with t = 0.1, but with t = 1 class 2 wins (e^.985 = 2.68 < 2.56 + 2.38).
    float[] test = unit(80);
    try (NDManager m = NDManager.newBaseManager()) {
      assertThat(new KnnClassifier(m, 3, 0.1, 3).predict(bank, labels, test, 2)).containsExactly(1);
      assertThat(new KnnClassifier(m, 3, 1.0, 3).predict(bank, labels, test, 2)).containsExactly(2);
      // k = 1: the nearest alone decides; k beyond the bank size means the whole bank
      assertThat(new KnnClassifier(m, 1, 1.0, 3).predict(bank, labels, test, 2)).containsExactly(1);
      assertThat(new KnnClassifier(m, 200, 0.1, 3).predict(bank, labels, unit(5), 2))
          .containsExactly(0);
      assertThat(
              new KnnClassifier(m, 3, 0.1, 3)
                  .accuracy(bank, labels, unit(80, 5), new int[] {1, 2}, 2))
          .isEqualTo(0.5);
    }
  }

  @Test
  void equalsASlowObviousImplementationOnRandomFeaturesAcrossSeveralBatches() {
    SplittableRandom r = new SplittableRandom(7);
    int dim = 16;
    int n = 900;
    int m = 1100; // more than two batches of 512
    float[] bank = randomUnitRows(r, n, dim);
    float[] test = randomUnitRows(r, m, dim);
    int[] labels = IntStream.range(0, n).map(i -> r.nextInt(10)).toArray();
    try (NDManager manager = NDManager.newBaseManager()) {
      for (int k : new int[] {1, 20, 200}) {
        int[] fast = new KnnClassifier(manager, k, 0.1, 10).predict(bank, labels, test, dim);
        assertThat(fast)
            .as("k=%d", k)
            .containsExactly(slowPredict(bank, labels, test, dim, k, 0.1));
      }
    }
  }

  @Test
  void rejectsInputsThatDoNotFit() {
    try (NDManager m = NDManager.newBaseManager()) {
      assertThatThrownBy(() -> new KnnClassifier(m, 0, 0.1, 10)).hasMessageContaining("k ≥ 1");
      KnnClassifier knn = new KnnClassifier(m, 5, 0.1, 10);
      assertThatThrownBy(() -> knn.predict(new float[6], new int[] {0, 1}, new float[4], 2))
          .hasMessageContaining("do not fit");
    }
  }

  /** Dot products in double, a full sort, exp weights, arg-max: §2 written out. */
  public static int[] slowPredict(
      float[] bank, int[] labels, float[] test, int dim, int k, double t) {
    int n = labels.length;
    int m = test.length / dim;
    int[] out = new int[m];
    for (int q = 0; q < m; q++) {
      double[] sims = new double[n];
      for (int i = 0; i < n; i++) {
        double s = 0;
        for (int d = 0; d < dim; d++) {
          s += (double) test[q * dim + d] * bank[i * dim + d];
        }
        sims[i] = s;
      }
      Integer[] order = IntStream.range(0, n).boxed().toArray(Integer[]::new);
      java.util.Arrays.sort(order, Comparator.comparingDouble((Integer i) -> -sims[i]));
      double[] score = new double[10];
      for (int j = 0; j < Math.min(k, n); j++) {
        score[labels[order[j]]] += Math.exp(sims[order[j]] / t);
      }
      int best = 0;
      for (int c = 1; c < score.length; c++) {
        best = score[c] > score[best] ? c : best;
      }
      out[q] = best;
    }
    return out;
  }

  private static float[] unit(double... degrees) {
    float[] out = new float[degrees.length * 2];
    for (int i = 0; i < degrees.length; i++) {
      out[2 * i] = (float) Math.cos(Math.toRadians(degrees[i]));
      out[2 * i + 1] = (float) Math.sin(Math.toRadians(degrees[i]));
    }
    return out;
  }

  private static float[] randomUnitRows(SplittableRandom r, int rows, int dim) {
    float[] out = new float[rows * dim];
    for (int i = 0; i < rows; i++) {
      double norm = 0;
      for (int d = 0; d < dim; d++) {
        double v = r.nextGaussian();
        out[i * dim + d] = (float) v;
        norm += v * v;
      }
      for (int d = 0; d < dim; d++) {
        out[i * dim + d] /= (float) Math.sqrt(norm);
      }
    }
    return out;
  }
}
