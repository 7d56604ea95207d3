package io.mixstream.quality;

import io.mixstream.augment.Augmenter;
import io.mixstream.augment.EvalTransform;
import io.mixstream.augment.SourceImage;
import io.mixstream.config.TrainingConfig;
import io.mixstream.eval.Embeddings;
import io.mixstream.rng.Seeds;
import io.mixstream.train.MocoTrainer;
import java.util.Arrays;

/**
 * Measures a model on a window of recent images without labels (§17): each image embedded as the
 * kNN monitor embeds it (eval mode, test transform) and in two augmented views of its own, drawn
 * from a generator that the training never uses, so measuring changes nothing the training does.
 * Works {@link Embeddings#BATCH} images at a time, so memory does not grow with the window.
 */
public final class QualityProbe {
  /** Seeds the views' draws apart from the training's (which use the plain training seed). */
  private static final long VIEWS_STREAM = 0x5155414c495459L; // "QUALITY"

  private final Augmenter augmenter;
  private final int side;

  public QualityProbe(TrainingConfig config) {
    this.side = config.model().imageSize();
    this.augmenter =
        new Augmenter(config.augmentation(), side, Seeds.mix(config.seed(), VIEWS_STREAM));
  }

  /**
   * @param window the images, at least 2; their order is the views' draw order
   * @param step the trainer's step, which with the image's place seeds its views
   */
  public QualityMeasures measure(MocoTrainer trainer, SourceImage[] window, long step) {
    int n = window.length;
    float[] plain = null;
    float[] view1 = null;
    float[] view2 = null;
    int d = 0;
    for (int from = 0; from < n; from += Embeddings.BATCH) {
      SourceImage[] chunk = Arrays.copyOfRange(window, from, Math.min(n, from + Embeddings.BATCH));
      int m = chunk.length;
      float[] p =
          trainer.embed(
              Arrays.stream(chunk)
                  .parallel()
                  .map(s -> EvalTransform.toSquare(s, side))
                  .toArray(byte[][]::new));
      // the chunk's first index in the view's "step" slot keeps every image's draw its own
      float[] v1 = trainer.embedNormalised(augmenter.view(chunk, step * n + from, 0), m);
      float[] v2 = trainer.embedNormalised(augmenter.view(chunk, step * n + from, 1), m);
      if (plain == null) {
        d = p.length / m;
        plain = new float[n * d];
        view1 = new float[n * d];
        view2 = new float[n * d];
      }
      System.arraycopy(p, 0, plain, from * d, m * d);
      System.arraycopy(v1, 0, view1, from * d, m * d);
      System.arraycopy(v2, 0, view2, from * d, m * d);
    }
    return QualityMeasures.of(plain, view1, view2, n, d);
  }
}
