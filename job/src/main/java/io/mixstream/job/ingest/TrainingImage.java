package io.mixstream.job.ingest;

/** A decoded, validated 32x32 RGB image on its way to the trainer (a Flink POJO). */
public class TrainingImage {
  /** Which model trains on it: the key of the trainer's keyed state. */
  public String modelKey;

  public String id;
  public int label;

  /** 3072 planar RGB bytes. */
  public byte[] pixels;

  public TrainingImage() {}

  public TrainingImage(String modelKey, String id, int label, byte[] pixels) {
    this.modelKey = modelKey;
    this.id = id;
    this.label = label;
    this.pixels = pixels;
  }
}
