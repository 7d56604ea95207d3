package io.mixstream.job.evaluation;

import io.mixstream.augment.EvalTransform;
import io.mixstream.job.ingest.TrainingImage;

/** A decoded image for the kNN evaluator, from the bank or the test topic (a Flink POJO). */
public class EvalImage {
  public boolean bank;
  public String id;
  public int label;

  /**
   * S×S planar RGB bytes, through the evaluation transform already: what the kNN sets keep in state
   * is never more than S² pixels an image, however large the image that came.
   */
  public byte[] pixels;

  public EvalImage() {}

  /**
   * @param side S, the network's input side
   */
  public static EvalImage of(TrainingImage image, boolean bank, int side) {
    EvalImage e = new EvalImage();
    e.bank = bank;
    e.id = image.id;
    e.label = image.label;
    e.pixels = EvalTransform.toSquare(image.source(), side);
    return e;
  }
}
