package io.mixstream.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.random.RandomGenerator;

/** PyTorch's initialisations, drawn from a seeded Java generator so that runs repeat exactly. */
final class Init {
  private Init() {}

  /** torchvision's ResNet conv init: kaiming normal, fan_out, ReLU gain: N(0, 2/fan_out). */
  static NDArray kaimingNormalFanOut(NDManager m, Shape shape, RandomGenerator rng) {
    long fanOut = shape.get(0) * shape.get(2) * shape.get(3);
    double std = Math.sqrt(2.0 / fanOut);
    float[] v = new float[(int) shape.size()];
    for (int i = 0; i < v.length; i++) {
      v[i] = (float) (rng.nextGaussian() * std);
    }
    return m.create(v, shape);
  }

  /**
   * PyTorch's default for Linear and Conv weights, kaiming uniform with a=√5, and for their biases:
   * both are U(-1/√fan_in, 1/√fan_in).
   */
  static NDArray defaultUniform(NDManager m, Shape shape, long fanIn, RandomGenerator rng) {
    double bound = 1.0 / Math.sqrt(fanIn);
    float[] v = new float[(int) shape.size()];
    for (int i = 0; i < v.length; i++) {
      v[i] = (float) ((rng.nextDouble() * 2 - 1) * bound);
    }
    return m.create(v, shape);
  }
}
