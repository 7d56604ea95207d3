package io.mixstream.loss;

import ai.djl.ndarray.NDArray;

/** BYOL's term (§14, lightly's form): −mean over the batch of cos(p_i, z_i) for unit rows. */
public final class NegativeCosine {
  private NegativeCosine() {}

  /**
   * @param p predictions [B, d], unit rows
   * @param z targets [B, d], unit rows
   * @return the mean negative cosine, a scalar
   */
  public static NDArray loss(NDArray p, NDArray z) {
    return p.mul(z).sum(new int[] {1}).mean().neg();
  }
}
