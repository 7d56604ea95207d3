package io.mixstream.train;

import static org.assertj.core.api.Assertions.assertThat;

import io.mixstream.config.Method;
import io.mixstream.queue.QueueName;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class MethodsTest {
  @org.junit.jupiter.api.Test
  void embeddingsAreUnitVectorsFromTheEvalModeEncoder() {
    try (MocoTrainer t = TrainerFixtures.trainer(TrainerFixtures.tiny(Method.MOCO))) {
      byte[][] images = TrainerFixtures.cifar(0, 5);
      float[] e = t.embed(images);
      assertThat(e).hasSize(5 * 128);
      for (int i = 0; i < 5; i++) {
        double norm = 0;
        for (int d = 0; d < 128; d++) {
          norm += e[i * 128 + d] * e[i * 128 + d];
        }
        assertThat(norm).isCloseTo(1, org.assertj.core.api.Assertions.within(1e-5));
      }
      // eval mode: no batch statistics, so an image's embedding does not depend on its batch
      float[] alone = t.embed(new byte[][] {images[3]});
      for (int d = 0; d < 128; d++) {
        assertThat(alone[d])
            .isCloseTo(e[3 * 128 + d], org.assertj.core.api.Assertions.within(1e-5f));
      }
    }
  }

  @ParameterizedTest
  @EnumSource(Method.class)
  void oneStepRunsWithFiniteTermsChangesTheWeightsAndAdvancesItsQueues(Method method) {
    try (MocoTrainer t = TrainerFixtures.trainer(TrainerFixtures.tiny(method))) {
      Map<String, float[]> before = t.stateByName();
      StepReport r = t.step(TrainerFixtures.cifar(0, 16));
      assertThat(r.step()).isEqualTo(1);
      assertThat(r.terms()).isNotEmpty();
      // InfoNCE and NT-Xent are positive; BYOL's terms are negative cosines, in [-1, 1]
      r.terms()
          .values()
          .forEach(
              v ->
                  assertThat(v)
                      .isFinite()
                      .satisfies(
                          x -> {
                            if (method == Method.BYOL) {
                              assertThat(x).isBetween(-1.0, 1.0);
                            } else {
                              assertThat(x).isPositive();
                            }
                          }));
      assertThat(r.loss()).isFinite();
      double weighted =
          r.terms().entrySet().stream()
              .mapToDouble(e -> e.getValue() * r.weights().get(e.getKey()))
              .sum();
      assertThat(r.loss())
          .isCloseTo(weighted, org.assertj.core.api.Assertions.within(1e-3 * Math.abs(weighted)));
      if (method == Method.MOCO || method.headless()) {
        assertThat(r.lambda()).as("no mixing, no λ").isNaN();
      } else {
        assertThat(r.lambda()).isBetween(0.0, 1.0);
      }
      Map<String, float[]> after = t.stateByName();
      assertThat(after.get("query.conv1.weight")).isNotEqualTo(before.get("query.conv1.weight"));
      String head = method.headless() ? "query.projector.3.weight" : "query.fc.weight";
      assertThat(after.get(head)).isNotEqualTo(before.get(head));
      if (method == Method.SIMCLR) {
        assertThat(after).as("no key encoder").doesNotContainKey("key.conv1.weight");
      } else {
        assertThat(after.get("key.conv1.weight")).isNotEqualTo(before.get("key.conv1.weight"));
      }
      if (method == Method.BYOL) {
        assertThat(after.get("query.predictor.0.weight"))
            .isNotEqualTo(before.get("query.predictor.0.weight"));
        assertThat(after.get("key.projector.0.weight"))
            .as("the target projector follows")
            .isNotEqualTo(before.get("key.projector.0.weight"));
      }
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
