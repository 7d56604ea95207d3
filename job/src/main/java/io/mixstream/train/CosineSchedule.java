package io.mixstream.train;

import io.mixstream.config.TrainingConfig;

/**
 * The per-epoch cosine schedule of §1.5 without warm-up: epoch e = 1..E runs at lr·½(1+cos(πe/E)),
 * so the first epoch is already slightly below lr and the last runs at 0. On a stream the epoch of
 * a step is step / stepsPerEpoch + 1; past the horizon the final rate (0) holds.
 */
public final class CosineSchedule implements LearningRateSchedule {
  private final double lr;
  private final int epochs;
  private final int stepsPerEpoch;

  public CosineSchedule(TrainingConfig c) {
    this(c.scaledLr(), c.optimizer().epochs(), c.stepsPerEpoch());
  }

  public CosineSchedule(double lr, int epochs, int stepsPerEpoch) {
    this.lr = lr;
    this.epochs = epochs;
    this.stepsPerEpoch = stepsPerEpoch;
  }

  /** 1-based epoch of a 0-based step, capped at E. */
  @Override
  public int epochOf(long step) {
    return (int) Math.min(epochs, step / stepsPerEpoch + 1);
  }

  @Override
  public double lr(long step) {
    return lr * 0.5 * (1 + Math.cos(Math.PI * epochOf(step) / epochs));
  }

  /** The first step of epoch E, whose rate ½(1+cos π) = 0 holds from then on. */
  @Override
  public long zeroFrom() {
    return lr == 0 ? 0 : (long) (epochs - 1) * stepsPerEpoch;
  }
}
