package io.mixstream.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.core.Linear;
import java.util.ArrayList;
import java.util.List;
import java.util.random.RandomGenerator;

/**
 * The projector and predictor of SimCLR and BYOL (§13, §14): Linear(in→hidden, no bias) →
 * BatchNorm1d(hidden) → ReLU → Linear(hidden→out, bias). Tensor names are those of PyTorch's {@code
 * nn.Sequential} of the four layers under {@code name} ({@code projector.0.weight}, {@code
 * projector.1.running_mean}, {@code projector.3.bias}), so that a snapshot's head loads into one.
 */
public final class MlpHead {
  private final NDArray hiddenWeight;
  private final SplitBatchNorm bn;
  private final NDArray outWeight;
  private final NDArray outBias;
  private final List<NamedTensor> tensors = new ArrayList<>();

  /**
   * @param rng initial weights are drawn from it (PyTorch's Linear default), in a fixed order
   */
  public MlpHead(String name, NDManager m, int in, int hidden, int out, RandomGenerator rng) {
    hiddenWeight = Init.defaultUniform(m, new Shape(hidden, in), in, rng);
    bn = new SplitBatchNorm(name + ".1", m, hidden, 1);
    outWeight = Init.defaultUniform(m, new Shape(out, hidden), hidden, rng);
    outBias = Init.defaultUniform(m, new Shape(out), hidden, rng);
    tensors.add(new NamedTensor(name + ".0.weight", hiddenWeight, true));
    tensors.addAll(bn.tensors());
    tensors.add(new NamedTensor(name + ".3.weight", outWeight, true));
    tensors.add(new NamedTensor(name + ".3.bias", outBias, true));
  }

  /** [B, in] → [B, out], BN on the batch's statistics (the only mode training uses). */
  public NDArray forward(NDArray x) {
    NDArray h = Linear.linear(x, hiddenWeight).singletonOrThrow();
    h = Activation.relu(bn.forward(h, true));
    return Linear.linear(h, outWeight, outBias).singletonOrThrow();
  }

  /** Parameters and BN buffers, in a fixed order. */
  public List<NamedTensor> tensors() {
    return tensors;
  }

  /** Copies every tensor's values from a head of the same shape. */
  public void copyFrom(MlpHead other) {
    NamedTensor.copyAll(tensors, other.tensors);
  }

  /** θ ← m·θ + (1−m)·θ_source for the parameters only, as the encoder's (§1.3). */
  public void momentumUpdateFrom(MlpHead source, double m) {
    NamedTensor.momentumUpdate(tensors, source.tensors, m);
  }
}
