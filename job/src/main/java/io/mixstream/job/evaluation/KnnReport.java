package io.mixstream.job.evaluation;

import io.mixstream.records.MetricsCodec;
import io.mixstream.records.MetricsRecord;
import java.time.Instant;

/**
 * One kNN evaluation of one snapshot (a Flink POJO); JSON ({@code "type": "knn"}) on the metrics
 * topic.
 */
public class KnnReport {
  public static final String PROTOCOL =
      "weighted kNN (InstDisc): encoder_q in eval mode, L2-normalised head output (SimCLR, BYOL:"
          + " pooled backbone), bank of training images without augmentation, weights exp(sim/t)";

  public String modelKey;
  public long step;
  public String method;
  public double accuracy;

  /** The MoCo family's kNN on the pooled backbone features; NaN for SimCLR and BYOL. */
  public double pooledAccuracy = Double.NaN;

  public int k;
  public double temperature;
  public int bankSize;
  public int testSize;
  public double seconds;
  public long wallMillis;

  public KnnReport() {}

  public MetricsRecord.Knn toRecord() {
    return new MetricsRecord.Knn(
        modelKey,
        step,
        method,
        accuracy,
        PROTOCOL,
        k,
        temperature,
        bankSize,
        testSize,
        seconds,
        Instant.ofEpochMilli(wallMillis),
        pooledAccuracy);
  }

  /** {@link #toRecord()} as the metrics topic's JSON. */
  public String toJson() {
    return MetricsCodec.encode(toRecord());
  }

  @Override
  public String toString() {
    String pooled =
        Double.isNaN(pooledAccuracy)
            ? ""
            : ", on the pooled backbone %.2f%%".formatted(100 * pooledAccuracy);
    return "%s step %d: kNN top-1 %.2f%%%s (k=%d, t=%s, bank %d, test %d; %.1f s)"
        .formatted(
            modelKey, step, 100 * accuracy, pooled, k, temperature, bankSize, testSize, seconds);
  }
}
