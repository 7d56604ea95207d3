package io.mixstream.train;

import io.mixstream.config.TrainingConfig;

/**
 * The learning rate of each step (docs/ALGORITHM.md §1.5, §16). Epochs are {@code epoch-size}
 * images of the stream, {@code floor(epochSize / batchSize)} steps.
 */
public interface LearningRateSchedule {
  /** The rate of 0-based step {@code step}. */
  double lr(long step);

  /** The 1-based epoch of a 0-based step. */
  int epochOf(long step);

  /**
   * The first step from which the rate is 0 for every later step, or -1 when it never reaches 0:
   * what an unbounded job must be warned about.
   */
  long zeroFrom();

  /** The schedule {@code --schedule} names, at the config's scaled learning rate. */
  static LearningRateSchedule of(TrainingConfig c) {
    var o = c.optimizer();
    return switch (o.schedule()) {
      case COSINE -> new CosineSchedule(c);
      case CONSTANT -> new WarmupConstantSchedule(c.scaledLr(), 0, c.stepsPerEpoch());
      case WARMUP_CONSTANT ->
          new WarmupConstantSchedule(c.scaledLr(), o.warmupSteps(), c.stepsPerEpoch());
    };
  }
}
