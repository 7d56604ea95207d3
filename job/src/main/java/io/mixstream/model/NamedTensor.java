package io.mixstream.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.index.NDIndex;
import java.util.List;

/**
 * A tensor a model owns, under its PyTorch name (for example {@code layer1.0.bn1.running_mean}).
 *
 * @param trainable true for parameters the optimizer updates, false for buffers (BN statistics)
 */
public record NamedTensor(String name, NDArray array, boolean trainable) {
  /** Copies every tensor's values (parameters and buffers) from a model of the same shape. */
  static void copyAll(List<NamedTensor> into, List<NamedTensor> from) {
    for (int i = 0; i < into.size(); i++) {
      into.get(i).array().set(new NDIndex(":"), from.get(i).array());
    }
  }

  /**
   * θ ← m·θ + (1−m)·θ_source for the parameters only; buffers keep their own values (§1.3). No
   * backward pass reads it, so its number ops need no libtorch-owned scalar ({@code
   * torch.Scalars}).
   */
  static void momentumUpdate(List<NamedTensor> into, List<NamedTensor> from, double m) {
    for (int i = 0; i < into.size(); i++) {
      if (into.get(i).trainable()) {
        into.get(i).array().muli((float) m).addi(from.get(i).array().mul((float) (1 - m)));
      }
    }
  }
}
