package io.mixstream.operators;

/** What the trainer emits after each step (a Flink POJO). */
public class StepResult {
  public String modelKey;
  public long step;
  public int epoch;
  public double loss;
  public double lr;
  public double lambda;

  /** The ids of the images this step trained on, in batch order. */
  public String[] imageIds;

  public StepResult() {}
}
