package io.mixstream.config;

/**
 * Which image a full replay buffer lets go ({@code --buffer-policy}): the oldest, a uniform
 * reservoir's, or MinRed's most redundant.
 */
public enum BufferPolicy {
  /** The oldest image leaves: the buffer is the last C images of the stream. */
  FIFO,
  /**
   * Reservoir sampling: the n-th image of the stream enters with chance C/n, in place of a random
   * one, so the buffer is a uniform sample of everything seen.
   */
  RESERVOIR,
  /**
   * MinRed (Purushwalkam et al., ECCV 2022): the trained image whose nearest neighbour in the
   * buffer is most similar leaves, by cosine of its features from its last training step.
   */
  MINRED;

  /** As {@code --buffer-policy} spells it. */
  public String cliName() {
    return name().toLowerCase(java.util.Locale.ROOT);
  }
}
