package io.mixstream.job.training;

import io.mixstream.records.MetricsCodec;
import io.mixstream.records.MetricsRecord;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;

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

  /**
   * Seconds from the end of the previous step until this step's batch was complete: the trainer
   * waiting for input plus assembling the batch in state (high: the input is the bottleneck).
   */
  public double batchSeconds;

  /** Wall-clock time the step finished, epoch milliseconds. */
  public long wallMillis;

  /** The ids of the images this step trained on, in batch order. */
  public String[] imageIds;

  /**
   * The digest ({@link io.mixstream.train.TrainedDigest}) of every (image id, epoch) pair the
   * trainer has trained up to and including this step, as checkpointed state holds it: its sum and
   * its count.
   */
  public long trainedDigestSum;

  public long trainedDigestCount;

  /** The loss's terms (original, mixed, global, local... as the method has them), by name. */
  public String[] termNames;

  public double[] termValues;

  /** False for a step the trainer skipped: its loss or a gradient was not finite. */
  public boolean applied = true;

  public StepResult() {}

  /** The metrics topic's record of this step. */
  public MetricsRecord.Train toRecord() {
    Map<String, Double> terms = new LinkedHashMap<>();
    for (int i = 0; termNames != null && i < termNames.length; i++) {
      terms.put(termNames[i], termValues[i]);
    }
    return new MetricsRecord.Train(
        modelKey,
        step,
        epoch,
        trainedDigestCount,
        loss,
        terms,
        lr,
        lambda,
        stepSeconds,
        batchSeconds,
        Instant.ofEpochMilli(wallMillis),
        applied);
  }

  /** {@link #toRecord()} as the metrics topic's JSON. */
  public String toJson() {
    return MetricsCodec.encode(toRecord());
  }

  @Override
  public String toString() {
    return "%s step %d (epoch %d): loss %.4f, lr %.5f%s%s"
        .formatted(
            modelKey,
            step,
            epoch,
            loss,
            lr,
            Double.isNaN(lambda) ? "" : ", λ %.3f".formatted(lambda),
            applied ? "" : " (not finite: skipped)");
  }
}
