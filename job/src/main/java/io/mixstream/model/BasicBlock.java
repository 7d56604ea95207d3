package io.mixstream.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import java.util.ArrayList;
import java.util.List;
import java.util.random.RandomGenerator;

/** ResNet's BasicBlock: two 3x3 conv-BN, a 1x1 conv-BN shortcut where the shape changes. */
final class BasicBlock {
  private final Conv2d conv1;
  private final SplitBatchNorm bn1;
  private final Conv2d conv2;
  private final SplitBatchNorm bn2;
  private final Conv2d downsampleConv; // null when the shortcut is the identity
  private final SplitBatchNorm downsampleBn;

  BasicBlock(
      String name, NDManager m, int in, int out, int stride, int splits, RandomGenerator rng) {
    conv1 =
        new Conv2d(
            name + ".conv1", Init.kaimingNormalFanOut(m, new Shape(out, in, 3, 3), rng), stride, 1);
    bn1 = new SplitBatchNorm(name + ".bn1", m, out, splits);
    conv2 =
        new Conv2d(
            name + ".conv2", Init.kaimingNormalFanOut(m, new Shape(out, out, 3, 3), rng), 1, 1);
    bn2 = new SplitBatchNorm(name + ".bn2", m, out, splits);
    if (stride != 1 || in != out) {
      downsampleConv =
          new Conv2d(
              name + ".downsample.0",
              Init.kaimingNormalFanOut(m, new Shape(out, in, 1, 1), rng),
              stride,
              0);
      downsampleBn = new SplitBatchNorm(name + ".downsample.1", m, out, splits);
    } else {
      downsampleConv = null;
      downsampleBn = null;
    }
  }

  NDArray forward(NDArray x, boolean training) {
    NDArray y = Activation.relu(bn1.forward(conv1.forward(x), training));
    y = bn2.forward(conv2.forward(y), training);
    NDArray shortcut =
        downsampleConv == null ? x : downsampleBn.forward(downsampleConv.forward(x), training);
    return Activation.relu(y.add(shortcut));
  }

  List<NamedTensor> tensors() {
    List<NamedTensor> t = new ArrayList<>(conv1.tensors());
    t.addAll(bn1.tensors());
    t.addAll(conv2.tensors());
    t.addAll(bn2.tensors());
    if (downsampleConv != null) {
      t.addAll(downsampleConv.tensors());
      t.addAll(downsampleBn.tensors());
    }
    return t;
  }
}
