package io.mixstream.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.mixstream.config.Stem;
import io.mixstream.torch.Autograd;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class ResNet18EncoderTest {
  @BeforeEach
  void noGrad() {
    Autograd.setEnabled(false);
  }

  @Test
  void fullWidthHasTheDocumentedParameterCount() {
    try (NDManager m = NDManager.newBaseManager()) {
      ResNet18Encoder e = new ResNet18Encoder(m, 64, 128, 8, Stem.CIFAR, new SplittableRandom(0));
      assertThat(e.parameterCount()).isEqualTo(11_234_496L);
      List<String> names = e.tensors().stream().map(NamedTensor::name).toList();
      assertThat(names)
          .contains("conv1.weight", "bn1.running_var", "layer2.0.downsample.0.weight", "fc.bias")
          .doesNotContain("layer1.0.downsample.0.weight");
    }
  }

  @Test
  void forwardShapesAtNarrowWidth() {
    try (NDManager m = NDManager.newBaseManager()) {
      ResNet18Encoder e = new ResNet18Encoder(m, 8, 128, 8, Stem.CIFAR, new SplittableRandom(0));
      EncoderOutput out = e.forward(m.randomNormal(new Shape(16, 3, 32, 32)), true);
      assertThat(out.embedding().getShape()).isEqualTo(new Shape(16, 128));
      assertThat(out.featureMap().getShape()).isEqualTo(new Shape(16, 64, 4, 4));
    }
  }

  @Test
  void splitBatchNormNormalisesStridedGroupsAndAveragesTheirRunningStats() {
    int n = 8;
    int c = 2;
    int hw = 3;
    int splits = 4;
    SplittableRandom r = new SplittableRandom(4);
    float[] x = new float[n * c * hw];
    for (int i = 0; i < x.length; i++) {
      x[i] = (float) (r.nextGaussian() * 2 + (i % 5));
    }
    try (NDManager m = NDManager.newBaseManager()) {
      SplitBatchNorm bn = new SplitBatchNorm("bn", m, c, splits);
      float[] y = bn.forward(m.create(x, new Shape(n, c, 1, hw)), true).toFloatArray();
      double[] meanOfGroupMeans = new double[c];
      double[] meanOfGroupVars = new double[c];
      for (int g = 0; g < splits; g++) {
        for (int ch = 0; ch < c; ch++) {
          double sum = 0;
          int count = 0;
          for (int i = g; i < n; i += splits) { // strided: samples with i % splits == g
            for (int p = 0; p < hw; p++) {
              sum += x[(i * c + ch) * hw + p];
              count++;
            }
          }
          double mean = sum / count;
          double sq = 0;
          for (int i = g; i < n; i += splits) {
            for (int p = 0; p < hw; p++) {
              sq += Math.pow(x[(i * c + ch) * hw + p] - mean, 2);
            }
          }
          double biasedVar = sq / count;
          for (int i = g; i < n; i += splits) {
            for (int p = 0; p < hw; p++) {
              int k = (i * c + ch) * hw + p;
              assertThat((double) y[k])
                  .isCloseTo((x[k] - mean) / Math.sqrt(biasedVar + 1e-5), within(1e-4));
            }
          }
          meanOfGroupMeans[ch] += mean / splits;
          meanOfGroupVars[ch] += sq / (count - 1) / splits; // running var uses the unbiased one
        }
      }
      List<NamedTensor> t = bn.tensors();
      float[] runningMean = t.get(2).array().toFloatArray();
      float[] runningVar = t.get(3).array().toFloatArray();
      for (int ch = 0; ch < c; ch++) {
        assertThat((double) runningMean[ch]).isCloseTo(0.1 * meanOfGroupMeans[ch], within(1e-5));
        assertThat((double) runningVar[ch])
            .isCloseTo(0.9 + 0.1 * meanOfGroupVars[ch], within(1e-5));
      }
    }
  }

  @Test
  void reversingTheBatchReversesTheOutputUnderSplitBn() {
    try (NDManager m = NDManager.newBaseManager()) {
      ResNet18Encoder e = new ResNet18Encoder(m, 4, 16, 8, Stem.CIFAR, new SplittableRandom(1));
      NDArray x = m.randomNormal(new Shape(16, 3, 32, 32));
      float[] direct = e.forward(x, true).embedding().flip(0).toFloatArray();
      float[] ofReversed = e.forward(x.flip(0), true).embedding().toFloatArray();
      for (int i = 0; i < direct.length; i++) {
        assertThat(ofReversed[i]).isCloseTo(direct[i], within(1e-5f));
      }
    }
  }

  @Test
  void momentumUpdateMovesParametersOnlyByTheFormula() {
    try (NDManager m = NDManager.newBaseManager()) {
      ResNet18Encoder q = new ResNet18Encoder(m, 2, 8, 1, Stem.CIFAR, new SplittableRandom(1));
      ResNet18Encoder k = new ResNet18Encoder(m, 2, 8, 1, Stem.CIFAR, new SplittableRandom(2));
      float[] qw = q.tensors().get(0).array().toFloatArray();
      float[] kw = k.tensors().get(0).array().toFloatArray();
      NDArray kBuffer = k.tensors().get(3).array(); // bn1.running_var
      kBuffer.set(new float[] {5, 5});
      k.momentumUpdateFrom(q, 0.99);
      float[] updated = k.tensors().get(0).array().toFloatArray();
      for (int i = 0; i < qw.length; i++) {
        assertThat(updated[i]).isCloseTo(0.99f * kw[i] + 0.01f * qw[i], within(1e-6f));
      }
      assertThat(kBuffer.toFloatArray()).containsExactly(5, 5);
    }
  }
}
