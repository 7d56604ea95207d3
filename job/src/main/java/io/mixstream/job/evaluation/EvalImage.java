package io.mixstream.job.evaluation;

import io.mixstream.job.ingest.TrainingImage;

/** A decoded image for the kNN evaluator, from the bank or the test topic (a Flink POJO). */
public class EvalImage {
  public String modelKey;
  public boolean bank;
  public String id;
  public int label;

  /** 3072 planar RGB bytes. */
  public byte[] pixels;

  public EvalImage() {}

  public static EvalImage of(TrainingImage image, boolean bank) {
    EvalImage e = new EvalImage();
    e.modelKey = image.modelKey;
    e.bank = bank;
    e.id = image.id;
    e.label = image.label;
    e.pixels = image.pixels;
    return e;
  }
}
