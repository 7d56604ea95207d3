package io.mixstream.job.training;

import io.mixstream.config.ModelSpec;
import io.mixstream.job.ingest.TrainingImage;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.flink.api.java.functions.KeySelector;
import org.apache.flink.runtime.state.KeyGroupRangeAssignment;

/**
 * Puts model i of N on trainer subtask i. Flink places a key by hashing it into one of
 * max-parallelism key groups and gives each subtask a range of groups, so N model names hashed
 * directly would often share a subtask. The trainer's max parallelism and parallelism are both N
 * (key group g is then subtask g), and model i is keyed by the smallest integer whose key group is
 * i: its routing key. The trainer's state is under these keys, so a checkpoint restores into a job
 * with the same models in the same order (a different count is refused by Flink itself: the max
 * parallelism differs; another order is refused by {@link OnlineTrainer}).
 */
public final class ModelPlacement implements KeySelector<TrainingImage, Integer> {
  private static final long serialVersionUID = 1L;

  private final Map<String, Integer> routingKeys = new HashMap<>();
  private final int models;

  public ModelPlacement(List<ModelSpec> models) {
    this.models = models.size();
    for (int i = 0; i < models.size(); i++) {
      routingKeys.put(models.get(i).key(), routingKey(i, models.size()));
    }
  }

  /** The trainer's parallelism and max parallelism: one subtask per model. */
  public int subtasks() {
    return models;
  }

  /** The smallest non-negative integer that Flink puts in key group {@code slot} of {@code n}. */
  static int routingKey(int slot, int n) {
    for (int k = 0; ; k++) {
      if (KeyGroupRangeAssignment.assignToKeyGroup(k, n) == slot) {
        return k;
      }
    }
  }

  @Override
  public Integer getKey(TrainingImage image) {
    Integer k = routingKeys.get(image.modelKey);
    if (k == null) {
      throw new IllegalStateException(
          "image " + image.id + " is for model '" + image.modelKey + "', which this job lacks");
    }
    return k;
  }
}
