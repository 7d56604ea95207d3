package io.mixstream.eval;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.Shape;
import io.mixstream.augment.Normalization;
import io.mixstream.config.ChannelStats;
import io.mixstream.loss.L2;
import io.mixstream.model.EncoderOutput;
import io.mixstream.model.ResNet18Encoder;
import io.mixstream.torch.GradMode;
import java.util.ArrayList;
import java.util.List;

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
    return features(manager, encoder, images, side, stats, false).own();
  }

  /**
   * The model's own feature and, for an encoder with a head, the pooled backbone feature beside it
   * (§15), both L2-normalised, from one forward pass per {@link #BATCH} images.
   *
   * @param pooled null when the encoder has no head (its own feature is the pooled one)
   */
  public record Both(float[] own, float[] pooled) {}

  /** {@link #of} with {@link Both}'s pooled feature beside it. */
  public static Both both(
      NDManager manager, ResNet18Encoder encoder, byte[][] images, int side, ChannelStats stats) {
    return features(manager, encoder, images, side, stats, encoder.hasHead());
  }

  /** The own feature, and the pooled one when {@code withPooled}, {@link #BATCH} at a time. */
  private static Both features(
      NDManager manager,
      ResNet18Encoder encoder,
      byte[][] images,
      int side,
      ChannelStats stats,
      boolean withPooled) {
    List<float[]> own = new ArrayList<>();
    List<float[]> pooled = new ArrayList<>();
    for (int from = 0; from < images.length; from += BATCH) {
      int n = Math.min(BATCH, images.length - from);
      byte[][] batch = new byte[n][];
      System.arraycopy(images, from, batch, 0, n);
      float[] x = Normalization.testTransform(batch, stats);
      try (GradMode off = GradMode.off();
          NDScope scope = new NDScope()) {
        scope.suppressNotUsedWarning();
        EncoderOutput out = encoder.forward(manager.create(x, new Shape(n, 3, side, side)), false);
        own.add(L2.normalize(out.embedding()).toFloatArray());
        if (withPooled) {
          NDArray p = out.featureMap().mean(new int[] {3}).mean(new int[] {2});
          pooled.add(L2.normalize(p).toFloatArray());
        }
      }
    }
    return new Both(concat(own), withPooled ? concat(pooled) : null);
  }

  private static float[] concat(List<float[]> parts) {
    float[] out = new float[parts.stream().mapToInt(p -> p.length).sum()];
    int at = 0;
    for (float[] p : parts) {
      System.arraycopy(p, 0, out, at, p.length);
      at += p.length;
    }
    return out;
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
