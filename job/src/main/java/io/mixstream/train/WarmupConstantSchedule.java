package io.mixstream.train;

/**
 * A schedule for a stream without end (§16): lr·(s+1)/W for the first W steps (a linear warm-up
 * that starts above 0), then lr for good; W = 0 is the constant schedule. Epochs are counted on
 * without a cap, since no horizon ends them.
 */
public final class WarmupConstantSchedule implements LearningRateSchedule {
  private final double lr;
  private final long warmupSteps;
  private final int stepsPerEpoch;

  public WarmupConstantSchedule(double lr, long warmupSteps, int stepsPerEpoch) {
    this.lr = lr;
    this.warmupSteps = warmupSteps;
    this.stepsPerEpoch = stepsPerEpoch;
  }

  @Override
  public double lr(long step) {
    return step < warmupSteps ? lr * (step + 1) / warmupSteps : lr;
  }

  @Override
  public int epochOf(long step) {
    return (int) Math.min(Integer.MAX_VALUE, step / stepsPerEpoch + 1);
  }

  /** Never, unless the rate itself is 0. */
  @Override
  public long zeroFrom() {
    return lr == 0 ? 0 : -1;
  }
}
