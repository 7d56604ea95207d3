package io.mixstream.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;
import java.util.List;

/** A bias-free 2-D convolution (the ResNet's convs; BN follows each). */
final class Conv2d {
  private static final Shape NO_DILATION = new Shape(1, 1);

  private final String name;
  private final NDArray weight;
  private final Shape stride;
  private final Shape padding;

  Conv2d(String name, NDArray weight, int stride, int padding) {
    this.name = name;
    this.weight = weight;
    this.stride = new Shape(stride, stride);
    this.padding = new Shape(padding, padding);
  }

  NDArray forward(NDArray x) {
    return JniUtils.convolution(
        (PtNDArray) x, (PtNDArray) weight, null, stride, padding, NO_DILATION, 1);
  }

  List<NamedTensor> tensors() {
    return List.of(new NamedTensor(name + ".weight", weight, true));
  }
}
