package io.mixstream.train;

import static org.assertj.core.api.Assertions.assertThat;

import io.mixstream.config.Method;
import io.mixstream.queue.QueueName;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class MethodsTest {
  @ParameterizedTest
  @EnumSource(Method.class)
  void oneStepRunsWithFiniteTermsChangesTheWeightsAndAdvancesItsQueues(Method method) {
    try (MocoTrainer t = TrainerFixtures.trainer(TrainerFixtures.tiny(method))) {
      Map<String, float[]> before = t.snapshot();
      StepReport r = t.step(TrainerFixtures.cifar(0, 16));
      assertThat(r.step()).isEqualTo(1);
      assertThat(r.terms()).isNotEmpty();
      r.terms().values().forEach(v -> assertThat(v).isFinite().isPositive());
      assertThat(r.loss()).isFinite();
      double weighted =
          r.terms().entrySet().stream()
              .mapToDouble(e -> e.getValue() * r.weights().get(e.getKey()))
              .sum();
      assertThat(r.loss())
          .isCloseTo(weighted, org.assertj.core.api.Assertions.within(1e-3 * Math.abs(weighted)));
      if (method != Method.MOCO) {
        assertThat(r.lambda()).isBetween(0.0, 1.0);
      }
      Map<String, float[]> after = t.snapshot();
      assertThat(after.get("query.conv1.weight")).isNotEqualTo(before.get("query.conv1.weight"));
      assertThat(after.get("query.fc.weight")).isNotEqualTo(before.get("query.fc.weight"));
      assertThat(after.get("key.conv1.weight")).isNotEqualTo(before.get("key.conv1.weight"));
      for (QueueName q : QueueName.values()) {
        if (method.queues().contains(q)) {
          assertThat(t.queuePointer(q)).as(q.name()).isEqualTo(16);
          assertThat(after.get("queue." + q.name())).isNotEqualTo(before.get("queue." + q.name()));
        } else {
          assertThat(t.queuePointer(q)).as(q.name()).isEqualTo(-1);
        }
      }
      if (method.usesRegions()) {
        assertThat(after.get("region_proj.weight")).isNotEqualTo(before.get("region_proj.weight"));
      } else {
        assertThat(after).doesNotContainKey("region_proj.weight");
      }
    }
  }
}
