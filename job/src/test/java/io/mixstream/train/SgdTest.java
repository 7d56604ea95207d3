package io.mixstream.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import io.mixstream.model.NamedTensor;
import io.mixstream.torch.Autograd;
import java.util.List;
import org.junit.jupiter.api.Test;

class SgdTest {
  @Test
  void followsPyTorchsUpdateWithCoupledWeightDecay() {
    try (NDManager m = NDManager.newBaseManager()) {
      Autograd.setEnabled(false);
      NDArray theta = m.create(new float[] {1.0f, -2.0f, 0.5f});
      theta.setRequiresGradient(true);
      float[] c = {0.3f, -0.1f, 2.0f};
      Sgd sgd = new Sgd(m, List.of(new NamedTensor("w", theta, true)), 0.9, 5e-4);
      double[] t = {1.0, -2.0, 0.5};
      double[] buf = new double[3];
      double[] lrs = {0.06, 0.05, 0.01};
      for (double lr : lrs) {
        // loss = Σ c·θ² → g = 2cθ
        Autograd.setEnabled(true);
        NDArray loss = theta.mul(theta).mul(m.create(c)).sum();
        Autograd.setEnabled(false);
        Autograd.backward(loss);
        sgd.step(lr);
        Autograd.zeroGradient(theta);
        for (int i = 0; i < 3; i++) {
          double g = 2 * c[i] * t[i];
          double d = g + 5e-4 * t[i];
          buf[i] = 0.9 * buf[i] + d;
          t[i] -= lr * buf[i];
        }
        float[] got = theta.toFloatArray();
        for (int i = 0; i < 3; i++) {
          assertThat((double) got[i]).isCloseTo(t[i], within(1e-6));
        }
      }
    }
  }

  @Test
  void cosineScheduleIsPerEpochAndEndsAtZero() {
    CosineSchedule s = new CosineSchedule(0.06, 200, 97);
    assertThat(s.lr(0)).isCloseTo(0.059996, within(1e-6));
    assertThat(s.lr(96)).isEqualTo(s.lr(0));
    assertThat(s.lr(97)).isLessThan(s.lr(96));
    assertThat(s.epochOf(97 * 199)).isEqualTo(200);
    assertThat(s.lr(97 * 199)).isCloseTo(0, within(1e-12));
    assertThat(s.lr(97 * 500))
        .isCloseTo(0, within(1e-12)); // past the horizon: the final rate holds
  }
}
