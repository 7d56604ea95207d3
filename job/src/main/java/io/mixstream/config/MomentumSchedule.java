package io.mixstream.config;

/** How BYOL's target network rate τ moves with the step (§14). */
public enum MomentumSchedule {
  /**
   * τ_k = 1 − (1 − τ₀)·(cos(πk/K) + 1)/2 over the schedule's K steps: τ₀ at first, 1 at the end.
   */
  COSINE,
  /** τ₀ at every step. */
  FIXED;

  /** As {@code --byol-momentum-schedule} spells it. */
  public String cliName() {
    return name().toLowerCase(java.util.Locale.ROOT);
  }
}
