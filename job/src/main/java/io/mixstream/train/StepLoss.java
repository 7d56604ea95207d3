package io.mixstream.train;

import ai.djl.ndarray.NDArray;
import io.mixstream.queue.QueueName;
import io.mixstream.torch.Scalars;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A method's loss for one step: the weighted terms, their sum (with its autograd graph), λ, and
 * what each queue takes after the step.
 */
final class StepLoss {
  private final Map<String, NDArray> terms = new LinkedHashMap<>();
  private final Map<String, Double> weights = new LinkedHashMap<>();
  private final Map<QueueName, NDArray> enqueue = new EnumMap<>(QueueName.class);
  private NDArray total;
  private double lambda = Double.NaN;

  /** Adds weight·term to the total under {@code name}. */
  StepLoss term(String name, double weight, NDArray value) {
    terms.put(name, value);
    weights.put(name, weight);
    // a float weight: a double 0-d operand would promote the 0-d float loss to float64
    NDArray weighted = weight == 1.0 ? value : Scalars.mul(value, (float) weight);
    total = total == null ? weighted : total.add(weighted);
    return this;
  }

  StepLoss lambda(double value) {
    this.lambda = value;
    return this;
  }

  StepLoss enqueue(QueueName queue, NDArray keys) {
    enqueue.put(queue, keys);
    return this;
  }

  NDArray total() {
    return total;
  }

  double lambda() {
    return lambda;
  }

  Map<QueueName, NDArray> toEnqueue() {
    return enqueue;
  }

  /** Each term's unweighted value, in the order added. */
  Map<String, Double> values() {
    Map<String, Double> out = new LinkedHashMap<>();
    terms.forEach((k, v) -> out.put(k, (double) v.getFloat()));
    return out;
  }

  Map<String, Double> weights() {
    return weights;
  }

  /** Each term's value tensor, by name. */
  Map<String, NDArray> termArrays() {
    return terms;
  }
}
