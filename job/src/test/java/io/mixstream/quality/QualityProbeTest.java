package io.mixstream.quality;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.mixstream.augment.EvalTransform;
import io.mixstream.augment.SourceImage;
import io.mixstream.config.Method;
import io.mixstream.config.TrainingConfig;
import io.mixstream.train.MocoTrainer;
import io.mixstream.train.TrainerFixtures;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/** The probe on a real trainer and real CIFAR-10 images. */
class QualityProbeTest {
  private static final TrainingConfig CONFIG = TrainerFixtures.tiny(Method.MOCO); // batch 16

  private static SourceImage[] window(int from, int n) {
    return Arrays.stream(TrainerFixtures.cifar(from, n))
        .map(SourceImage::cifar)
        .toArray(SourceImage[]::new);
  }

  @Test
  void readsTheMonitorsEmbeddingAndStaysInEachMeasuresRange() {
    SourceImage[] w = window(0, 600); // more than one embedding batch of 512
    try (MocoTrainer trainer = TrainerFixtures.trainer(CONFIG)) {
      trainer.step(TrainerFixtures.cifar(1000, 16));
      QualityMeasures m = new QualityProbe(CONFIG).measure(trainer, w, 1);
      int d = CONFIG.model().embeddingDim();
      assertThat(m.images()).isEqualTo(600);
      assertThat(m.dim()).isEqualTo(d);
      float[] monitor =
          trainer.embed(
              Arrays.stream(w).map(s -> EvalTransform.toSquare(s, 32)).toArray(byte[][]::new));
      assertThat(m.embeddingStd())
          .as("the std of the kNN monitor's own embeddings of the window")
          .isCloseTo(QualityMeasures.embeddingStd(monitor, 600, d), within(1e-12));
      assertThat(m.rankMe())
          .isCloseTo(QualityMeasures.rankMe(monitor, 600, d), within(1e-9))
          .isBetween(1.0, (double) d);
      assertThat(m.alignment())
          .as("two views of their own, not one view twice")
          .isGreaterThan(0.0)
          .isLessThan(4.0);
      assertThat(m.uniformity()).isBetween(-4.0, 0.0);
      QualityMeasures again = new QualityProbe(CONFIG).measure(trainer, w, 1);
      assertThat(again).as("the views are seeded: the same reading twice").isEqualTo(m);
    }
  }

  @Test
  void measuringChangesNothingTheTrainingDoes() {
    SourceImage[] w = window(0, 64);
    try (MocoTrainer measured = TrainerFixtures.trainer(CONFIG);
        MocoTrainer alone = TrainerFixtures.trainer(CONFIG)) {
      QualityProbe probe = new QualityProbe(CONFIG);
      for (int step = 0; step < 3; step++) {
        byte[][] batch = TrainerFixtures.cifar(100 + 16 * step, 16);
        double a = measured.step(batch).loss();
        probe.measure(measured, w, step + 1);
        double b = alone.step(batch).loss();
        assertThat(a).as("step %d", step + 1).isEqualTo(b);
      }
      assertThat(measured.exportState()).isEqualTo(alone.exportState());
    }
  }
}
