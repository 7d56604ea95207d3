package io.mixstream.job.evaluation;

import com.google.gson.JsonObject;
import java.time.Instant;

/**
 * One kNN evaluation of one snapshot (a Flink POJO); JSON ({@code "type": "knn"}) on the metrics
 * topic.
 */
public class KnnReport {
  public static final String PROTOCOL =
      "weighted kNN (InstDisc): encoder_q in eval mode, L2-normalised head output, "
          + "bank of training images without augmentation, weights exp(sim/t)";

  public String modelKey;
  public long step;
  public String method;
  public double accuracy;
  public int k;
  public double temperature;
  public int bankSize;
  public int testSize;
  public double seconds;
  public long wallMillis;

  public KnnReport() {}

  public String toJson() {
    JsonObject o = new JsonObject();
    o.addProperty("type", "knn");
    o.addProperty("model", modelKey);
    o.addProperty("step", step);
    o.addProperty("method", method);
    o.addProperty("metric", "knn_top1");
    o.addProperty("accuracy", accuracy);
    o.addProperty("protocol", PROTOCOL);
    o.addProperty("k", k);
    o.addProperty("temperature", temperature);
    o.addProperty("bank_size", bankSize);
    o.addProperty("test_size", testSize);
    o.addProperty("seconds", seconds);
    o.addProperty("time", Instant.ofEpochMilli(wallMillis).toString());
    return o.toString();
  }

  @Override
  public String toString() {
    return "%s step %d: kNN top-1 %.2f%% (k=%d, t=%s, bank %d, test %d; %.1f s)"
        .formatted(modelKey, step, 100 * accuracy, k, temperature, bankSize, testSize, seconds);
  }
}
