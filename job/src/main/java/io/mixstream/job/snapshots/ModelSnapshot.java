package io.mixstream.job.snapshots;

/**
 * The query encoder at a step, on its way from the trainer to the snapshot files and the evaluator:
 * the safetensors bytes of {@link io.mixstream.snapshot.EncoderSnapshot} (a Flink POJO).
 */
public class ModelSnapshot {
  public String modelKey;
  public long step;
  public byte[] safetensors;

  public ModelSnapshot() {}

  public ModelSnapshot(String modelKey, long step, byte[] safetensors) {
    this.modelKey = modelKey;
    this.step = step;
    this.safetensors = safetensors;
  }
}
