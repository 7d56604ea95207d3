package io.mixstream.eval;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;

/**
 * The weighted kNN of §2 (InstDisc): each test feature's top-k most similar bank features by dot
 * product (cosine, as the features are L2-normalised) vote for their class with weight exp(s/t);
 * the class with the largest sum wins.
 */
public final class KnnClassifier {
  private final NDManager manager;
  private final int k;
  private final double temperature;
  private final int classes;

  /**
   * @param k neighbours (200 in §2; fewer when the bank is smaller)
   * @param temperature t of the weights (0.1)
   * @param classes labels are in [0, classes)
   */
  public KnnClassifier(NDManager manager, int k, double temperature, int classes) {
    if (k < 1 || !(temperature > 0) || classes < 1) {
      throw new IllegalArgumentException(
          "kNN needs k ≥ 1, t > 0, classes ≥ 1; got k=%d t=%s classes=%d"
              .formatted(k, temperature, classes));
    }
    this.manager = manager;
    this.k = k;
    this.temperature = temperature;
    this.classes = classes;
  }

  /** Predicted class of each test feature. */
  public int[] predict(float[] bank, int[] bankLabels, float[] test, int dim) {
    int n = bankLabels.length;
    int m = test.length / dim;
    if (bank.length != n * dim || test.length != m * dim || n == 0) {
      throw new IllegalArgumentException(
          "bank of %d floats for %d labels, test of %d floats, dim %d do not fit"
              .formatted(bank.length, n, test.length, dim));
    }
    int kk = Math.min(k, n);
    int[] predictions = new int[m];
    try (NDManager scope = manager.newSubManager()) {
      NDArray bankT = scope.create(bank, new Shape(n, dim)).transpose();
      for (int from = 0; from < m; from += Embeddings.BATCH) {
        int rows = Math.min(Embeddings.BATCH, m - from);
        float[] chunk = new float[rows * dim];
        System.arraycopy(test, from * dim, chunk, 0, chunk.length);
        NDArray sims = scope.create(chunk, new Shape(rows, dim)).dot(bankT);
        NDList top = sims.topK(kk, 1, true, false);
        float[] values = top.get(0).toFloatArray();
        long[] indices = top.get(1).toLongArray();
        top.close();
        sims.close();
        for (int r = 0; r < rows; r++) {
          double[] score = new double[classes];
          for (int j = 0; j < kk; j++) {
            int label = bankLabels[(int) indices[r * kk + j]];
            score[label] += Math.exp(values[r * kk + j] / temperature);
          }
          predictions[from + r] = argMax(score);
        }
      }
    }
    return predictions;
  }

  /** Top-1 accuracy of {@link #predict} against {@code testLabels}. */
  public double accuracy(float[] bank, int[] bankLabels, float[] test, int[] testLabels, int dim) {
    int[] p = predict(bank, bankLabels, test, dim);
    if (p.length != testLabels.length) {
      throw new IllegalArgumentException(p.length + " test features but " + testLabels.length);
    }
    int correct = 0;
    for (int i = 0; i < p.length; i++) {
      correct += p[i] == testLabels[i] ? 1 : 0;
    }
    return correct / (double) p.length;
  }

  private static int argMax(double[] xs) {
    int best = 0;
    for (int i = 1; i < xs.length; i++) {
      if (xs[i] > xs[best]) {
        best = i;
      }
    }
    return best;
  }
}
