package io.mixstream.job.snapshots;

/**
 * The query encoder at a step, on its way from the trainer to the snapshot files and the evaluator:
 * the safetensors bytes of {@link io.mixstream.snapshot.EncoderSnapshot} (a Flink POJO).
 */
public class ModelSnapshot {
  public String modelKey;
  public long step;
  public byte[] safetensors;

  /**
   * The training run it belongs to: an id the trainer draws when it starts a model afresh and keeps
   * across restores (written to the snapshot's JSON sidecar, not into the weights file, which stays
   * the same bytes in two runs that train alike); null when unknown.
   */
  public String lineage;

  public ModelSnapshot() {}

  public ModelSnapshot(String modelKey, long step, byte[] safetensors) {
    this(modelKey, step, safetensors, null);
  }

  public ModelSnapshot(String modelKey, long step, byte[] safetensors, String lineage) {
    this.modelKey = modelKey;
    this.step = step;
    this.safetensors = safetensors;
    this.lineage = lineage;
  }
}
