package io.mixstream.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.mixstream.config.Method;
import io.mixstream.config.TrainingConfig;
import org.junit.jupiter.api.Test;

class Approach2FlipTrickTest {
  @Test
  void reversingRowsEqualsTheLiteralThirdForward() {
    TrainingConfig.Builder b = TrainerFixtures.tiny(Method.APPROACH2).toBuilder();
    b.approach2FlipTrick = true;
    TrainingConfig trick = b.build();
    b.approach2FlipTrick = false;
    TrainingConfig literal = b.build();
    byte[][] images = TrainerFixtures.cifar(100, 16);
    try (MocoTrainer a = TrainerFixtures.trainer(trick);
        MocoTrainer c = TrainerFixtures.trainer(literal)) {
      MocoTrainer.Gradients ga = a.lossAndGradients(images);
      MocoTrainer.Gradients gc = c.lossAndGradients(images);
      assertThat(ga.loss()).isCloseTo(gc.loss(), within(1e-5));
      ga.terms().forEach((k, v) -> assertThat(v).as(k).isCloseTo(gc.terms().get(k), within(1e-5)));
      assertThat(ga.byName().keySet()).containsExactlyElementsOf(gc.byName().keySet());
      double largest = 0;
      for (var e : ga.byName().entrySet()) {
        float[] x = e.getValue();
        float[] y = gc.byName().get(e.getKey());
        for (int i = 0; i < x.length; i++) {
          assertThat(x[i]).as(e.getKey()).isCloseTo(y[i], within(1e-5f));
          largest = Math.max(largest, Math.abs(x[i]));
        }
      }
      assertThat(largest).as("the gradients are not all zero").isGreaterThan(1e-3);
    }
  }
}
