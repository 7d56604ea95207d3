package io.mixstream.train;

import io.mixstream.queue.QueueName;
import java.util.List;

/**
 * A step as its method computed it, for checking the method against ALGORITHM.md's formula: every
 * InfoNCE term with its weight, the queue it read, and its query and key rows.
 *
 * @param report the step's report, as {@link MocoTrainer#step} returns it
 * @param terms in the order the method added them
 */
public record StepTrace(StepReport report, List<Term> terms) {
  /**
   * One term, weight × L(q, k; queue).
   *
   * @param q the queries, [batch, dim] row-major (L2-normalised by the method)
   * @param k the positive keys, [batch, dim] row-major
   */
  public record Term(String name, double weight, QueueName queue, float[] q, float[] k) {}

  public Term term(String name) {
    return terms.stream()
        .filter(t -> t.name().equals(name))
        .findFirst()
        .orElseThrow(() -> new IllegalArgumentException("no term " + name + " in " + terms));
  }
}
