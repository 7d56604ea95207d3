package io.mixstream.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.mixstream.config.Method;
import io.mixstream.config.TrainingConfig;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * A step whose loss or gradient is not finite changes nothing, and an update that overflows is said
 * at its step. A base rate of 10³⁰ without weight decay makes the second step's loss NaN; the step
 * that sees it must leave every weight, BN statistic, optimizer buffer and queue column as it found
 * them. At 10⁶ with weight decay the weights grow 500-fold a step while the loss stays finite (BN
 * makes it blind to their scale), until the update itself overflows.
 */
class NonFiniteStepTest {
  private static TrainingConfig diverging(Method method, double baseLr, double weightDecay) {
    TrainingConfig.Builder b = TrainerFixtures.tiny(method).toBuilder();
    b.baseLr = baseLr;
    b.weightDecay = weightDecay;
    return b.build();
  }

  @Test
  void anUpdateThatOverflowsTheWeightsIsSaidAtItsStep() {
    try (MocoTrainer t = TrainerFixtures.trainer(diverging(Method.MOCO, 1e6, 5e-4))) {
      assertThatThrownBy(
              () -> {
                for (int step = 0; step < 12; step++) {
                  assertThat(t.step(TrainerFixtures.cifar(step * 16, 16)).applied()).isTrue();
                }
              })
          .isInstanceOf(MocoTrainer.WeightsOverflowed.class)
          .hasMessageMatching(
              "the update of step \\d+ \\(lr .*\\) took the weights .* past float's range");
    }
  }

  @Test
  void theFirstNonFiniteStepIsReportedAndLeavesTheWholeStateAsItWas() {
    for (Method method : List.of(Method.MOCO, Method.APPROACH2)) {
      try (MocoTrainer t = TrainerFixtures.trainer(diverging(method, 1e30, 0))) {
        List<StepReport> reports = new ArrayList<>();
        Map<String, float[]> before = null;
        for (int step = 0; step < 12; step++) {
          before = t.stateByName();
          StepReport r = t.step(TrainerFixtures.cifar(step * 16, 16));
          reports.add(r);
          if (!r.applied()) {
            break;
          }
        }
        StepReport last = reports.get(reports.size() - 1);
        assertThat(last.applied()).as(method + ": lr 1e6 diverges within 12 steps").isFalse();
        assertThat(reports.subList(0, reports.size() - 1))
            .as("every step before it was finite and applied")
            .allMatch(r -> r.applied() && Double.isFinite(r.loss()));
        assertThat(Double.isFinite(last.loss()) && Double.isFinite(last.gradientNorm()))
            .as("what the step saw: " + last.nonFiniteSummary())
            .isFalse();
        assertThat(last.enqueued()).isEmpty();
        assertThat(last.step()).as("the step is counted").isEqualTo(reports.size());
        Map<String, float[]> after = t.stateByName();
        for (var e : before.entrySet()) {
          assertThat(after.get(e.getKey()))
              .as(method + ": " + e.getKey() + " unchanged by the skipped step")
              .isEqualTo(e.getValue());
        }
      }
    }
  }

  @Test
  void aFiniteStepReportsTheGradientNormOfAllTrainableTensorsTogether() {
    try (MocoTrainer t = TrainerFixtures.trainer(TrainerFixtures.tiny(Method.MOCO))) {
      byte[][] batch = TrainerFixtures.cifar(0, 16);
      // the same first step's gradients, taken without the update, added up slowly in double
      MocoTrainer.Gradients g;
      try (MocoTrainer same = TrainerFixtures.trainer(TrainerFixtures.tiny(Method.MOCO))) {
        g = same.lossAndGradients(batch);
      }
      double sum = 0;
      for (float[] grad : g.byName().values()) {
        for (float x : grad) {
          sum += (double) x * x;
        }
      }
      StepReport r = t.step(batch);
      assertThat(r.applied()).isTrue();
      assertThat(r.gradientNorm())
          .isCloseTo(Math.sqrt(sum), org.assertj.core.data.Percentage.withPercentage(1e-3));
    }
  }
}
