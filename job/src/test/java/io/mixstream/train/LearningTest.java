package io.mixstream.train;

import static org.assertj.core.api.Assertions.assertThat;

import io.mixstream.config.Method;
import io.mixstream.config.TrainingConfig;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A narrow MoCo learns on real CIFAR-10. The very first losses are low only because the queue
 * starts as random vectors far from every key; once the queue holds real keys (after K/B steps) the
 * loss sits near ln(K+1), the chance level, and from there it must fall clearly.
 */
class LearningTest {
  @Test
  void narrowMocoLossFallsWellBelowChanceOnAFewThousandImages() {
    TrainingConfig.Builder b = TrainingConfig.defaults().toBuilder();
    b.method = Method.MOCO;
    b.width = 8;
    b.batchSize = 64;
    b.queueSize = 1024;
    b.epochs = 1000;
    b.epochSize = 4096;
    b.seed = 3;
    int steps = 160;
    int queueFull = 1024 / 64;
    List<Double> losses = new ArrayList<>();
    try (MocoTrainer t = TrainerFixtures.trainer(b.build())) {
      for (int s = 0; s < steps; s++) {
        losses.add(t.step(TrainerFixtures.cifar((s * 64) % 4096, 64)).loss());
      }
    }
    double start = mean(losses.subList(queueFull + 1, queueFull + 11));
    double end = mean(losses.subList(steps - 10, steps));
    double chance = Math.log(1025);
    System.out.printf(
        "MoCo width 8: loss %.3f once the queue is real, %.3f after %d steps%n", start, end, steps);
    assertThat(start).as("loss once the queue holds real keys").isGreaterThan(chance - 0.6);
    assertThat(end)
        .as("loss after %d steps (started at %.3f)", steps, start)
        .isLessThan(start - 0.7);
    assertThat(end).isLessThan(chance - 0.9);
  }

  private static double mean(List<Double> xs) {
    return xs.stream().mapToDouble(Double::doubleValue).average().orElseThrow();
  }
}
