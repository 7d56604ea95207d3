package io.mixstream.loss;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import io.mixstream.torch.Scalars;

/**
 * SimCLR's NT-Xent (§13): for the 2B unit vectors z₁..z_B (view 1) and z_{B+1}..z_{2B} (view 2),
 * the positive of i is i±B and every other of the 2B−1 vectors is a negative; the loss is the mean
 * over all 2B anchors of −log exp(zᵢ·z_pos/τ) / Σ_{j≠i} exp(zᵢ·z_j/τ).
 */
public final class NtXent {
  /** Subtracted from each self-similarity: exp of it is 0 in float, and its gradient too. */
  private static final float SELF = 1e9f;

  private NtXent() {}

  /**
   * @param z1 view 1's vectors [B, d], unit rows
   * @param z2 view 2's vectors [B, d], unit rows, row i the same image as z1's row i
   * @param temperature τ
   * @return the mean loss, a scalar
   */
  public static NDArray loss(NDArray z1, NDArray z2, double temperature) {
    int b = (int) z1.getShape().get(0);
    NDManager m = z1.getManager();
    NDArray z = z1.concat(z2, 0);
    NDArray eye = m.eye(2 * b);
    NDArray logits = Scalars.div(z.matMul(z.transpose()), (float) temperature).sub(eye.mul(SELF));
    // the positives' places: (i, i+B) and (i+B, i), the identity rolled by B
    NDArray positives = eye.concat(eye, 1).get(":, " + b + ":" + 3 * b);
    return Scalars.div(logits.logSoftmax(1).mul(positives).sum(), 2 * b).neg();
  }
}
