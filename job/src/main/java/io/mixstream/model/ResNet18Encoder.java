package io.mixstream.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.core.Linear;
import ai.djl.nn.pooling.Pool;
import io.mixstream.config.Stem;
import io.mixstream.torch.Scopes;
import java.util.ArrayList;
import java.util.List;
import java.util.random.RandomGenerator;

/**
 * The ResNet-18 of §1.1: a stem, BasicBlocks [2,2,2,2] of widths w, 2w, 4w, 8w, SplitBatchNorm
 * everywhere, global average pool, one Linear 8w→dim head. The CIFAR stem is a 3x3 stride-1
 * convolution without max-pool; the ImageNet stem torchvision's 7x7 stride-2 convolution and 3x3
 * stride-2 max-pool. Tensor names follow torchvision's ResNet ({@code conv1}, {@code bn1}, {@code
 * layer1.0.conv1}, ..., {@code fc}), so that at width 64 an ImageNet-stem encoder is torchvision's
 * resnet18 with a 128-way fc. Without a head (dim 0, SimCLR's and BYOL's backbone, §13-15) the
 * embedding is the pooled 8w-vector and there is no {@code fc}: torchvision's resnet18 with {@code
 * fc = Identity()}.
 */
public final class ResNet18Encoder {
  private static final Shape POOL_KERNEL = new Shape(3, 3);
  private static final Shape POOL_STRIDE = new Shape(2, 2);
  private static final Shape POOL_PADDING = new Shape(1, 1);

  private final int width;
  private final boolean imagenetStem;
  private final Conv2d stem;
  private final SplitBatchNorm stemBn;
  private final List<BasicBlock> blocks = new ArrayList<>();
  private final NDArray fcWeight;
  private final NDArray fcBias;
  private final List<NamedTensor> tensors = new ArrayList<>();

  /**
   * @param m owns the weights for the encoder's life
   * @param width stem width (64 = standard ResNet-18)
   * @param dim head output size; 0 = no head, the embedding is the pooled features
   * @param bnSplits SplitBatchNorm groups
   * @param stem {@link Stem#CIFAR} or {@link Stem#IMAGENET} (resolved, not auto)
   * @param rng initial weights are drawn from it, in a fixed order
   */
  public ResNet18Encoder(
      NDManager m, int width, int dim, int bnSplits, Stem stem, RandomGenerator rng) {
    if (stem == Stem.AUTO) {
      throw new IllegalArgumentException("resolve the stem for the image size first");
    }
    this.width = width;
    this.imagenetStem = stem == Stem.IMAGENET;
    this.stem =
        imagenetStem
            ? new Conv2d("conv1", Init.defaultUniform(m, new Shape(width, 3, 7, 7), 147, rng), 2, 3)
            : new Conv2d("conv1", Init.defaultUniform(m, new Shape(width, 3, 3, 3), 27, rng), 1, 1);
    stemBn = new SplitBatchNorm("bn1", m, width, bnSplits);
    int in = width;
    for (int layer = 0; layer < 4; layer++) {
      int out = width << layer;
      int stride = layer == 0 ? 1 : 2;
      blocks.add(
          new BasicBlock("layer%d.0".formatted(layer + 1), m, in, out, stride, bnSplits, rng));
      blocks.add(new BasicBlock("layer%d.1".formatted(layer + 1), m, out, out, 1, bnSplits, rng));
      in = out;
    }
    fcWeight = dim == 0 ? null : Init.defaultUniform(m, new Shape(dim, in), in, rng);
    fcBias = dim == 0 ? null : Init.defaultUniform(m, new Shape(dim), in, rng);
    tensors.addAll(this.stem.tensors());
    tensors.addAll(stemBn.tensors());
    blocks.forEach(b -> tensors.addAll(b.tensors()));
    if (fcWeight != null) {
      tensors.add(new NamedTensor("fc.weight", fcWeight, true));
      tensors.add(new NamedTensor("fc.bias", fcBias, true));
    }
  }

  public int width() {
    return width;
  }

  /** Whether it ends in the Linear head fc (the MoCo family) rather than the pooled features. */
  public boolean hasHead() {
    return fcWeight != null;
  }

  /** Channels of layer4's output: 8·width. */
  public int featureChannels() {
    return 8 * width;
  }

  /**
   * The forward pass. Each block's intermediate arrays are released as soon as the block returns
   * (autograd keeps what backward needs), so that, as in PyTorch, a no-grad forward holds one
   * block's activations at a time and a backward frees them as it goes; the two outputs join the
   * caller's {@link NDScope}, if any.
   */
  public EncoderOutput forward(NDArray images, boolean training) {
    NDArray x;
    NDArray embedding;
    try (NDScope scope = new NDScope()) {
      scope.suppressNotUsedWarning();
      x = Activation.relu(stemBn.forward(stem.forward(images), training));
      if (imagenetStem) {
        x = Pool.maxPool2d(x, POOL_KERNEL, POOL_STRIDE, POOL_PADDING, false);
      }
      for (BasicBlock b : blocks) {
        NDArray in = x;
        x = Scopes.keepOnly(() -> b.forward(in, training));
        in.close(); // a no-grad pass needs it no more; autograd keeps its own reference
      }
      NDArray pooled = x.mean(new int[] {3}).mean(new int[] {2});
      embedding =
          fcWeight == null ? pooled : Linear.linear(pooled, fcWeight, fcBias).singletonOrThrow();
      NDScope.unregister(x, embedding);
    }
    NDScope.register(x);
    NDScope.register(embedding);
    return new EncoderOutput(embedding, x);
  }

  /** Every tensor, parameters and buffers, in a fixed order. */
  public List<NamedTensor> tensors() {
    return tensors;
  }

  /** The trainable tensors, in the order of {@link #tensors()}. */
  public List<NamedTensor> parameters() {
    return tensors.stream().filter(NamedTensor::trainable).toList();
  }

  public long parameterCount() {
    return parameters().stream().mapToLong(t -> t.array().getShape().size()).sum();
  }

  /** Copies every tensor's values (parameters and buffers) from an encoder of the same shape. */
  public void copyFrom(ResNet18Encoder other) {
    NamedTensor.copyAll(tensors, other.tensors);
  }

  /** θ ← m·θ + (1−m)·θ_source for the parameters only; buffers keep their own values (§1.3). */
  public void momentumUpdateFrom(ResNet18Encoder source, double m) {
    NamedTensor.momentumUpdate(tensors, source.tensors, m);
  }
}
