package io.mixstream.job.training;

import io.mixstream.config.EvaluationConfig;
import java.io.Serializable;

/**
 * When and on what the trainer takes the label-free measures of docs/ALGORITHM.md §17.
 *
 * @param every steps between readings; 0 = none
 * @param window W, the last images to arrive that the trainer keeps for them
 * @param collapseStd a reading says collapse under collapseStd/√d of embedding std
 * @param collapseRank or under collapseRank·d of RankMe
 */
public record QualitySettings(int every, int window, double collapseStd, double collapseRank)
    implements Serializable {
  /** No readings and no window. */
  public static final QualitySettings OFF = new QualitySettings(0, 2, 0, 0);

  public static QualitySettings of(EvaluationConfig e) {
    return new QualitySettings(
        e.qualityEverySteps(), e.qualityWindow(), e.collapseStd(), e.collapseRank());
  }

  public boolean on() {
    return every > 0;
  }
}
