package io.mixstream.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;
import java.util.List;

/**
 * BatchNorm over {@code splits} strided groups (§1.2): in training, sample i is normalised with the
 * statistics of the samples whose index has the same remainder mod splits; γ and β are shared; the
 * running statistics move towards the mean of the groups' statistics (momentum 0.1, PyTorch's
 * convention). Evaluation is plain BN with the running statistics.
 */
final class SplitBatchNorm {
  static final double MOMENTUM = 0.1;
  static final double EPS = 1e-5;
  private static final NDIndex ALL = new NDIndex(":");

  private final String name;
  private final int channels;
  private final int splits;
  private final NDArray gamma;
  private final NDArray beta;
  private final NDArray runningMean;
  private final NDArray runningVar;

  SplitBatchNorm(String name, NDManager m, int channels, int splits) {
    this.name = name;
    this.channels = channels;
    this.splits = splits;
    this.gamma = m.ones(new Shape(channels));
    this.beta = m.zeros(new Shape(channels));
    this.runningMean = m.zeros(new Shape(channels));
    this.runningVar = m.ones(new Shape(channels));
  }

  NDArray forward(NDArray x, boolean training) {
    if (!training || splits == 1) {
      return JniUtils.batchNorm(
          (PtNDArray) x,
          (PtNDArray) runningMean,
          (PtNDArray) runningVar,
          (PtNDArray) gamma,
          (PtNDArray) beta,
          training,
          MOMENTUM,
          EPS);
    }
    Shape s = x.getShape();
    long n = s.get(0);
    // Viewing (n, c) as (n/splits, splits*c) puts channel j*c+k of row a at sample a*splits+j:
    // each of the splits*c "channels" then holds one channel of one strided group.
    NDArray grouped = x.reshape(n / splits, splits * (long) channels, s.get(2), s.get(3));
    NDArray mean = runningMean.tile(splits);
    NDArray var = runningVar.tile(splits);
    NDArray out =
        JniUtils.batchNorm(
            (PtNDArray) grouped,
            (PtNDArray) mean,
            (PtNDArray) var,
            (PtNDArray) gamma.tile(splits),
            (PtNDArray) beta.tile(splits),
            true,
            MOMENTUM,
            EPS);
    // Each group updated its own copy; the running statistics are their mean.
    runningMean.set(ALL, mean.reshape(splits, channels).mean(new int[] {0}));
    runningVar.set(ALL, var.reshape(splits, channels).mean(new int[] {0}));
    return out.reshape(s);
  }

  List<NamedTensor> tensors() {
    return List.of(
        new NamedTensor(name + ".weight", gamma, true),
        new NamedTensor(name + ".bias", beta, true),
        new NamedTensor(name + ".running_mean", runningMean, false),
        new NamedTensor(name + ".running_var", runningVar, false));
  }
}
