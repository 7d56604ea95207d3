package io.mixstream.train;

import io.mixstream.queue.QueueWrite;
import java.util.List;
import java.util.Map;

/**
 * What one training step did.
 *
 * @param step steps done so far, this one included
 * @param epoch the schedule's 1-based epoch of this step
 * @param lr the learning rate it used
 * @param lambda the mixing weight λ (NaN for plain MoCo)
 * @param loss the weighted total
 * @param terms each loss term, unweighted, by name
 * @param weights each term's weight
 * @param enqueued where this step's keys went in each queue it feeds
 * @param augmentSeconds host time spent augmenting both views
 * @param stepSeconds wall time of the whole step
 * @param gradientNorm the L2 norm of every trainable tensor's gradient together
 * @param applied false when the loss or a gradient was not finite, so the step changed nothing (no
 *     update, no enqueue, the BN statistics kept): only the step count moved on
 */
public record StepReport(
    long step,
    int epoch,
    double lr,
    double lambda,
    double loss,
    Map<String, Double> terms,
    Map<String, Double> weights,
    List<QueueWrite> enqueued,
    double augmentSeconds,
    double stepSeconds,
    double gradientNorm,
    boolean applied) {

  /** "loss NaN (original NaN, mixed 3.21), gradient norm Infinity": what was not finite. */
  public String nonFiniteSummary() {
    StringBuilder out = new StringBuilder("loss " + loss);
    if (!terms.isEmpty()) {
      out.append(" (");
      out.append(
          String.join(
              ", ", terms.entrySet().stream().map(e -> e.getKey() + " " + e.getValue()).toList()));
      out.append(")");
    }
    return out.append(", gradient norm ").append(gradientNorm).toString();
  }
}
