package io.mixstream.loss;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.index.NDIndex;
import io.mixstream.torch.Scalars;

/**
 * MoCo's InfoNCE (§1.4): for unit vectors q_i, k_i and negatives n_j (queue columns),
 * −log(exp(q·k/τ) / (exp(q·k/τ) + Σ_j exp(q·n_j/τ))), averaged over the batch.
 */
public final class InfoNce {
  private static final NDIndex POSITIVE_COLUMN = new NDIndex(":, 0");

  private InfoNce() {}

  /**
   * @param q queries [B, d], unit rows
   * @param k positives [B, d], unit rows
   * @param queue negatives [d, K], unit columns
   * @param temperature τ
   * @return the mean loss, a scalar
   */
  public static NDArray loss(NDArray q, NDArray k, NDArray queue, double temperature) {
    NDArray positive = q.mul(k).sum(new int[] {1}, true);
    NDArray negative = q.matMul(queue);
    NDArray logits = Scalars.div(positive.concat(negative, 1), (float) temperature);
    return logits.logSoftmax(1).get(POSITIVE_COLUMN).mean().neg();
  }
}
