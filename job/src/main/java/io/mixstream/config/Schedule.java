package io.mixstream.config;

/**
 * How the learning rate moves with the step (docs/ALGORITHM.md §1.5 and §16): the recipe's
 * per-epoch cosine, which ends at 0 after {@code epochs × epoch-size} images, or one of the two
 * schedules for a stream without end.
 */
public enum Schedule {
  /** §1.5: epoch e of E at lr·½(1+cos(πe/E)); from the last epoch on, 0 for good. */
  COSINE,
  /** lr at every step. */
  CONSTANT,
  /** lr·(s+1)/W for the first W = warmup-steps steps, then lr for good. */
  WARMUP_CONSTANT
}
