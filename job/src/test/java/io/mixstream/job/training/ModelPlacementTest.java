package io.mixstream.job.training;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.mixstream.config.Method;
import io.mixstream.config.ModelSpec;
import io.mixstream.job.ingest.TrainingImage;
import io.mixstream.train.TrainerFixtures;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.apache.flink.runtime.state.KeyGroupRangeAssignment;
import org.junit.jupiter.api.Test;

class ModelPlacementTest {
  private static List<ModelSpec> models(int n) {
    List<ModelSpec> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      out.add(new ModelSpec("m" + i, TrainerFixtures.tiny(Method.MOCO), "cpu", 1));
    }
    return out;
  }

  @Test
  void modelIGoesToSubtaskIAsFlinkRoutesKeys() {
    for (int n = 1; n <= 16; n++) {
      ModelPlacement p = new ModelPlacement(models(n));
      assertThat(p.subtasks()).isEqualTo(n);
      Set<Integer> keys = new HashSet<>();
      for (int i = 0; i < n; i++) {
        TrainingImage image = TrainingImage.cifar("m" + i, "x", 0, new byte[3 * 32 * 32]);
        int key = p.getKey(image);
        keys.add(key);
        // Flink's own routing of a key, with max parallelism = parallelism = n
        assertThat(KeyGroupRangeAssignment.assignKeyToParallelOperator(key, n, n))
            .as("model %d of %d", i, n)
            .isEqualTo(i);
      }
      assertThat(keys).hasSize(n);
    }
  }

  @Test
  void anImageForAModelTheJobLacksIsNamed() {
    ModelPlacement p = new ModelPlacement(models(2));
    assertThatThrownBy(
            () -> p.getKey(TrainingImage.cifar("other", "img-1", 0, new byte[3 * 32 * 32])))
        .hasMessageContaining("model 'other', which this job lacks");
  }
}
