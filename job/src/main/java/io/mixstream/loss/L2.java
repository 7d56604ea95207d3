package io.mixstream.loss;

import ai.djl.ndarray.NDArray;

/** The L2 normalisation of MoCo's features (§1) and of the kNN feature (§2). */
public final class L2 {
  private L2() {}

  /** Rows divided by their L2 norm (at least 1e-12), as PyTorch's F.normalize. */
  public static NDArray normalize(NDArray x) {
    return x.normalize(2, 1, 1e-12);
  }
}
