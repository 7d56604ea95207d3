package io.mixstream.eval;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.Shape;
import io.mixstream.augment.Normalization;
import io.mixstream.config.ChannelStats;
import io.mixstream.loss.L2;
import io.mixstream.model.ResNet18Encoder;
import io.mixstream.torch.GradMode;

/** The kNN feature of §2: the encoder's head output in eval mode, test transform, L2-normalised. */
public final class Embeddings {
  /** §2's batch size for both passes. */
  public static final int BATCH = 512;

  private Embeddings() {}

  /**
   * [images.length, dim] row-major, computed {@link #BATCH} images at a time.
   *
   * @param images side×side planar RGB bytes each (the evaluation transform done)
   * @param stats the normalization the encoder was trained with
   */
  public static float[] of(
      NDManager manager, ResNet18Encoder encoder, byte[][] images, int side, ChannelStats stats) {
    float[] out = null;
    for (int from = 0; from < images.length; from += BATCH) {
      int n = Math.min(BATCH, images.length - from);
      byte[][] batch = new byte[n][];
      System.arraycopy(images, from, batch, 0, n);
      float[] e =
          ofNormalised(manager, encoder, Normalization.testTransform(batch, stats), n, side);
      if (out == null) {
        out = new float[images.length * (e.length / n)];
      }
      System.arraycopy(e, 0, out, from * (e.length / n), e.length);
    }
    return out == null ? new float[0] : out;
  }

  /**
   * The same feature of {@code n} images already normalised, [n, 3, side, side] laid end to end
   * (augmented views, for the label-free measures of §17), in one forward pass.
   */
  public static float[] ofNormalised(
      NDManager manager, ResNet18Encoder encoder, float[] images, int n, int side) {
    try (GradMode off = GradMode.off();
        NDScope scope = new NDScope()) {
      scope.suppressNotUsedWarning();
      NDArray x = manager.create(images, new Shape(n, 3, side, side));
      return L2.normalize(encoder.forward(x, false).embedding()).toFloatArray();
    }
  }
}
