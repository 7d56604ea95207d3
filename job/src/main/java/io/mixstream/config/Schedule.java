package io.mixstream.config;

/**
 * How the learning rate moves with the step (docs/ALGORITHM.md §1.5 and §16): the recipe's
 * per-epoch cosine, whose last epoch (from about {@code (epochs − 1) × epoch-size} images on) runs
 * at 0, or one of the two schedules for a stream without end.
 */
public enum Schedule {
  /** §1.5: epoch e of E at lr·½(1+cos(πe/E)); from the last epoch on, 0 for good. */
  COSINE,
  /** lr at every step. */
  CONSTANT,
  /** lr·(s+1)/W for the first W = warmup-steps steps, then lr for good. */
  WARMUP_CONSTANT;

  /** As {@code --schedule} spells it: cosine, constant, warmup-constant. */
  public String cliName() {
    return name().toLowerCase(java.util.Locale.ROOT).replace('_', '-');
  }
}
