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
    double stepSeconds) {}
