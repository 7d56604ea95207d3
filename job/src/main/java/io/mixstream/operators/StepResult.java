package io.mixstream.operators;

/** What the trainer emits after each step (a Flink POJO). */
public class StepResult {
  public String modelKey;
  public long step;
  public int epoch;
  public double loss;
  public double lr;
  public double lambda;

  /** Seconds the training step itself took (augmentation to enqueue). */
  public double stepSeconds;

  /** Wall-clock time the step finished, epoch milliseconds. */
  public long wallMillis;

  /** The ids of the images this step trained on, in batch order. */
  public String[] imageIds;

  public StepResult() {}

  @Override
  public String toString() {
    return "%s step %d (epoch %d): loss %.4f, lr %.5f%s"
        .formatted(
            modelKey,
            step,
            epoch,
            loss,
            lr,
            Double.isNaN(lambda) ? "" : ", λ %.3f".formatted(lambda));
  }
}
