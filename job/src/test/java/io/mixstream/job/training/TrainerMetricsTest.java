package io.mixstream.job.training;

import static org.assertj.core.api.Assertions.assertThat;

import io.mixstream.config.Method;
import io.mixstream.config.TrainingConfig;
import io.mixstream.train.MocoTrainer;
import io.mixstream.train.StepReport;
import io.mixstream.train.TrainerFixtures;
import java.util.HashMap;
import java.util.Map;
import org.apache.flink.metrics.Gauge;
import org.apache.flink.metrics.groups.UnregisteredMetricsGroup;
import org.junit.jupiter.api.Test;

class TrainerMetricsTest {
  /** Flink's no-op metric group, keeping the gauges registered on it so a test can read them. */
  private static final class Gauges extends UnregisteredMetricsGroup {
    final Map<String, Gauge<?>> byName = new HashMap<>();

    @Override
    public <T, G extends Gauge<T>> G gauge(String name, G gauge) {
      byName.put(name, gauge);
      return gauge;
    }

    double read(String name) {
      assertThat(byName).containsKey(name);
      return ((Number) byName.get(name).getValue()).doubleValue();
    }
  }

  @Test
  void queueFillIsTheShareOfEachQueueWrittenByTrainedImages() {
    TrainingConfig c =
        TrainerFixtures.tiny(Method.APPROACH1); // batch 16 into K 64: 4 steps fill it
    Gauges g = new Gauges();
    try (MocoTrainer trainer = TrainerFixtures.trainer(c)) {
      new TrainerMetrics(g, trainer, c);
      assertThat(g.byName)
          .containsKeys("queueFillOriginal", "queueFillGlobal", "queueFillLocal", "step");
      assertThat(g.read("queueFillGlobal")).isZero();
      trainer.step(TrainerFixtures.cifar(0, 16));
      assertThat(g.read("queueFillOriginal")).isEqualTo(0.25);
      trainer.step(TrainerFixtures.cifar(16, 16));
      trainer.step(TrainerFixtures.cifar(32, 16));
      assertThat(g.read("queueFillLocal")).isEqualTo(0.75);
      trainer.step(TrainerFixtures.cifar(48, 16));
      trainer.step(TrainerFixtures.cifar(64, 16));
      assertThat(g.read("queueFillGlobal")).isEqualTo(1.0);
      assertThat(g.read("step")).isEqualTo(5);
    }
  }

  @Test
  void learningRateAtZeroTurnsOneOnceAStepHasRunAtTheCosinesFinalZero() {
    TrainingConfig.Builder b = TrainerFixtures.tiny(Method.MOCO).toBuilder();
    b.epochSize = 16; // one step an epoch
    b.epochs = 3; // steps 1-2 above 0, step 3 on at 0
    TrainingConfig c = b.build();
    Gauges g = new Gauges();
    try (MocoTrainer trainer = TrainerFixtures.trainer(c)) {
      new TrainerMetrics(g, trainer, c);
      for (int step = 1; step <= 3; step++) {
        assertThat(g.read("learningRateAtZero")).as("before step %d", step).isZero();
        trainer.step(TrainerFixtures.cifar(16 * step, 16));
      }
      assertThat(g.read("learningRateAtZero")).isEqualTo(1);
    }
  }

  @Test
  void aStepSetsTheLossEveryTermAndTheRates() {
    TrainingConfig c = TrainerFixtures.tiny(Method.APPROACH1);
    Gauges g = new Gauges();
    try (MocoTrainer trainer = TrainerFixtures.trainer(c)) {
      TrainerMetrics m = new TrainerMetrics(g, trainer, c);
      assertThat(g.read("loss")).isNaN();
      StepReport r = trainer.step(TrainerFixtures.cifar(0, 16));
      m.step(r, 0.5, Double.NaN);
      assertThat(g.read("loss")).isEqualTo(r.loss());
      assertThat(g.read("lambda")).isEqualTo(r.lambda());
      assertThat(g.read("learningRate")).isEqualTo(r.lr());
      assertThat(g.read("batchAssemblySeconds")).isEqualTo(0.5);
      assertThat(g.read("imagesPerSecond")).as("no rate before a second step").isNaN();
      r.terms().forEach((name, value) -> assertThat(g.read("loss_" + name)).isEqualTo(value));
      m.step(trainer.step(TrainerFixtures.cifar(16, 16)), 0.1, 160.0);
      assertThat(g.read("imagesPerSecond")).isEqualTo(160.0);
    }
  }
}
