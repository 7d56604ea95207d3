package io.mixstream.quality;

/**
 * Tells a collapse from a bad reading (§17): measurements that say collapse must come {@link
 * #PATIENCE} times in a row before the model counts as collapsed; one that does not ends it.
 */
public final class CollapseWatch {
  /** Collapsed readings in a row that make a collapse. */
  public static final int PATIENCE = 3;

  private final double stdBelow;
  private final double rankBelow;
  private volatile int streak; // read by the metric reporters' threads

  /**
   * @param stdBelow collapse when the embedding std is under stdBelow/√d
   * @param rankBelow or when RankMe is under rankBelow·d
   * @param streak collapsed readings in a row so far (from a checkpoint; 0 for a new model)
   */
  public CollapseWatch(double stdBelow, double rankBelow, int streak) {
    this.stdBelow = stdBelow;
    this.rankBelow = rankBelow;
    this.streak = streak;
  }

  /**
   * Takes one measurement.
   *
   * @return true when this one makes the model collapsed (the {@link #PATIENCE}th in a row): the
   *     moment to say so, once per episode
   */
  public boolean observe(QualityMeasures m) {
    streak = m.collapsed(stdBelow, rankBelow) ? streak + 1 : 0;
    return streak == PATIENCE;
  }

  /** Whether the last {@link #PATIENCE} or more readings in a row said collapse. */
  public boolean collapsed() {
    return streak >= PATIENCE;
  }

  /** Collapsed readings in a row, for the checkpoint. */
  public int streak() {
    return streak;
  }
}
