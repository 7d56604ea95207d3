package io.mixstream.job.training;

import io.mixstream.job.ingest.TrainingImage;
import java.util.List;
import org.apache.flink.api.common.functions.FlatMapFunction;
import org.apache.flink.util.Collector;

/**
 * Sends each validated image to every model: one copy per model key, sharing the payload. The
 * stream is read and validated once; Flink serialises each copy on the way to its model's trainer,
 * which then treats it as it would alone (raw pixels as they are, a PNG or JPEG decoded per step).
 */
public final class ToEveryModel implements FlatMapFunction<TrainingImage, TrainingImage> {
  private static final long serialVersionUID = 1L;

  private final List<String> modelKeys;

  public ToEveryModel(List<String> modelKeys) {
    this.modelKeys = List.copyOf(modelKeys);
  }

  @Override
  public void flatMap(TrainingImage image, Collector<TrainingImage> out) {
    for (String key : modelKeys) {
      out.collect(
          new TrainingImage(
              key,
              image.id,
              image.label,
              image.height,
              image.width,
              image.channels,
              image.encoding,
              image.payload));
    }
  }
}
