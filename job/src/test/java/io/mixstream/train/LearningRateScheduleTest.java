package io.mixstream.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.mixstream.config.Schedule;
import io.mixstream.config.TrainingConfig;
import org.junit.jupiter.api.Test;

/** Each schedule of §1.5 and §16 against its formula, written out here step by step. */
class LearningRateScheduleTest {
  private static TrainingConfig config(Schedule schedule, int epochs, int warmup) {
    TrainingConfig.Builder b = TrainingConfig.defaults().toBuilder();
    b.batchSize = 128;
    b.epochSize = 1280; // 10 steps an epoch
    b.epochs = epochs;
    b.baseLr = 0.06;
    b.lrReferenceBatch = 512; // lr = 0.06 · 128 / 512 = 0.015
    b.schedule = schedule;
    b.warmupSteps = warmup;
    return b.build();
  }

  @Test
  void cosineIsHalfOnePlusCosinePiEOverEPerEpochAndZeroFromTheLastEpochOn() {
    LearningRateSchedule s = LearningRateSchedule.of(config(Schedule.COSINE, 4, 500));
    assertThat(s).isInstanceOf(CosineSchedule.class);
    for (long step = 0; step < 100; step++) {
      long e = Math.min(4, step / 10 + 1);
      assertThat(s.lr(step))
          .as("step %d", step)
          .isCloseTo(0.015 * 0.5 * (1 + Math.cos(Math.PI * e / 4)), within(1e-15));
      assertThat(s.epochOf(step)).isEqualTo((int) e);
    }
    assertThat(s.zeroFrom()).isEqualTo(30); // the first step of epoch 4
    assertThat(s.lr(29)).isGreaterThan(0);
    assertThat(s.lr(30)).isCloseTo(0, within(1e-18));
    assertThat(s.lr(1_000_000)).isCloseTo(0, within(1e-18));
  }

  @Test
  void constantKeepsTheScaledRateForEverAndCountsEpochsOn() {
    LearningRateSchedule s = LearningRateSchedule.of(config(Schedule.CONSTANT, 4, 500));
    for (long step : new long[] {0, 1, 29, 30, 31, 1_000_000, 10_000_000_000L}) {
      assertThat(s.lr(step)).as("step %d", step).isEqualTo(0.015);
    }
    assertThat(s.zeroFrom()).isEqualTo(-1);
    assertThat(s.epochOf(0)).isEqualTo(1);
    assertThat(s.epochOf(45)).isEqualTo(5); // past the cosine's 4 epochs: no cap
  }

  @Test
  void warmupConstantRisesLinearlyOverWStepsFromAboveZeroThenHolds() {
    LearningRateSchedule s = LearningRateSchedule.of(config(Schedule.WARMUP_CONSTANT, 4, 8));
    for (long step = 0; step < 8; step++) {
      assertThat(s.lr(step)).as("step %d", step).isCloseTo(0.015 * (step + 1) / 8, within(1e-15));
    }
    assertThat(s.lr(0)).isGreaterThan(0);
    assertThat(s.lr(7)).isEqualTo(0.015);
    for (long step : new long[] {8, 30, 40, 5_000_000}) {
      assertThat(s.lr(step)).as("step %d", step).isEqualTo(0.015);
    }
    assertThat(s.zeroFrom()).isEqualTo(-1);
    assertThat(LearningRateSchedule.of(config(Schedule.WARMUP_CONSTANT, 4, 0)).lr(0))
        .as("W = 0 is the constant schedule")
        .isEqualTo(0.015);
  }

  @Test
  void theTrainerRunsItsScheduleAndSaysWhenTheRateHasReachedZero() {
    TrainingConfig.Builder b = TrainerFixtures.tiny(io.mixstream.config.Method.MOCO).toBuilder();
    b.epochSize = 16; // one step an epoch
    b.epochs = 2; // step 0 at lr/2, step 1 on at 0
    try (MocoTrainer cosine = TrainerFixtures.trainer(b.build())) {
      assertThat(cosine.learningRateZeroFrom()).isEqualTo(1);
      StepReport first = cosine.step(TrainerFixtures.cifar(0, 16));
      assertThat(first.lr()).isCloseTo(b.build().scaledLr() / 2, within(1e-15));
      assertThat(cosine.learningRateEnded()).isFalse();
      StepReport second = cosine.step(TrainerFixtures.cifar(16, 16));
      assertThat(second.lr()).isZero();
      assertThat(cosine.learningRateEnded()).isTrue();
    }
    b.schedule = Schedule.CONSTANT;
    try (MocoTrainer constant = TrainerFixtures.trainer(b.build())) {
      for (int i = 0; i < 3; i++) {
        assertThat(constant.step(TrainerFixtures.cifar(16 * i, 16)).lr())
            .isEqualTo(b.build().scaledLr());
      }
      assertThat(constant.learningRateEnded()).isFalse();
      assertThat(constant.learningRateZeroFrom()).isEqualTo(-1);
    }
  }
}
