package io.mixstream.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.core.Linear;
import java.util.List;
import java.util.random.RandomGenerator;

/**
 * The approaches' 1x1 conv 8w→dim with bias (§6), shared by the query and key sides and trained by
 * SGD, never momentum-copied. It is applied to a pooled 8w-vector, which equals applying it to the
 * feature map before pooling because the pooling weights sum to one.
 */
public final class RegionProjection {
  private final NDArray weight; // [dim, 8w, 1, 1], PyTorch's conv layout
  private final NDArray bias;

  public RegionProjection(NDManager m, int inChannels, int dim, RandomGenerator rng) {
    weight = Init.defaultUniform(m, new Shape(dim, inChannels, 1, 1), inChannels, rng);
    bias = Init.defaultUniform(m, new Shape(dim), inChannels, rng);
  }

  /** pooled [B, 8w] → [B, dim]. */
  public NDArray apply(NDArray pooled) {
    Shape w = weight.getShape();
    return Linear.linear(pooled, weight.reshape(w.get(0), w.get(1)), bias).singletonOrThrow();
  }

  public List<NamedTensor> tensors() {
    return List.of(
        new NamedTensor("region_proj.weight", weight, true),
        new NamedTensor("region_proj.bias", bias, true));
  }
}
