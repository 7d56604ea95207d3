package io.mixstream.train;

import io.mixstream.queue.QueueName;
import java.util.List;

/**
 * A step as its method computed it, for checking the method against ALGORITHM.md's formula: every
 * term with its weight, the queue it read (none for SimCLR's and BYOL's), and its query and key
 * rows (SimCLR: z of view 1 and view 2; BYOL: the prediction p and the target z').
 *
 * @param report the step's report, as {@link MocoTrainer#step} returns it
 * @param terms in the order the method added them
 */
public record StepTrace(StepReport report, List<Term> terms) {
  /**
   * One term, weight × L(q, k; queue); queue null for a term that reads none.
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
