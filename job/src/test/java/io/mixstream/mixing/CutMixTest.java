package io.mixstream.mixing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class CutMixTest {
  @Test
  void lambdaIsTheFractionOfPixelsLeftFromTheBase() {
    SplittableRandom rng = new SplittableRandom(5);
    int batch = 4;
    for (int t = 0; t < 200; t++) {
      double lambda0 = rng.nextDouble();
      CutMixBox box = CutMixBox.sample(32, CutMixBox.cutSide(lambda0, 32), t % 2 == 0, rng);
      float[] zeros = new float[batch * 3 * 1024];
      float[] ones = new float[zeros.length];
      java.util.Arrays.fill(ones, 1f);
      float[] mixed = Mixing.pasteAligned(zeros, ones, batch, box);
      int pasted = 0;
      for (int i = 0; i < 1024; i++) {
        pasted += (int) mixed[i]; // first channel of image 0
      }
      assertThat(box.lambda()).isCloseTo(1 - pasted / 1024.0, within(1e-12));
      assertThat(box.lambda()).isCloseTo(1 - box.area() / 1024.0, within(1e-12));
    }
  }

  @Test
  void boxFollowsTheSamplerOfSection3() {
    // λ₀ = 0.75 → r = 0.5 → c = 16, half 8
    assertThat(CutMixBox.cutSide(0.75, 32)).isEqualTo(16);
    assertThat(CutMixBox.cutSide(0.0, 32)).isEqualTo(32);
    assertThat(CutMixBox.cutSide(1.0, 32)).isZero();
    // a fixed generator: check the clip against the drawn centre
    SplittableRandom a = new SplittableRandom(9);
    SplittableRandom b = new SplittableRandom(9);
    CutMixBox box = CutMixBox.sample(32, 16, false, a);
    int cx = b.nextInt(32);
    int cy = b.nextInt(32);
    assertThat(box.top()).isEqualTo(Math.max(0, cx - 8));
    assertThat(box.bottom()).isEqualTo(Math.min(32, cx + 8));
    assertThat(box.left()).isEqualTo(Math.max(0, cy - 8));
    assertThat(box.right()).isEqualTo(Math.min(32, cy + 8));
  }

  @Test
  void emptySidesGrowByOneOnlyWithTheMixSslRule() {
    SplittableRandom rng = new SplittableRandom(1);
    for (int t = 0; t < 50; t++) {
      CutMixBox never =
          CutMixBox.sample(32, 1, true, rng); // half = 0: always empty before the rule
      assertThat(never.area()).isEqualTo(1);
      CutMixBox unmix = CutMixBox.sample(32, 1, false, rng);
      assertThat(unmix.area()).isZero();
      assertThat(unmix.lambda()).isEqualTo(1.0);
    }
  }

  @Test
  void inBatchMixingPairsImageIWithImageBMinus1MinusI() {
    int batch = 4;
    int size = 3 * 1024;
    float[] x = new float[batch * size];
    for (int i = 0; i < batch; i++) {
      java.util.Arrays.fill(x, i * size, (i + 1) * size, i);
    }
    CutMixBox box = new CutMixBox(32, 2, 10, 5, 9);
    float[] m = Mixing.pasteReversed(x, batch, box);
    for (int i = 0; i < batch; i++) {
      for (int c = 0; c < 3; c++) {
        for (int y = 0; y < 32; y++) {
          for (int col = 0; col < 32; col++) {
            float expected = box.contains(y, col) ? batch - 1 - i : i;
            assertThat(m[i * size + c * 1024 + y * 32 + col]).isEqualTo(expected);
          }
        }
      }
    }
    float[] mix = Mixing.mixupReversed(x, batch, 0.25);
    assertThat(mix[0]).isCloseTo(0.25f * 0 + 0.75f * 3, within(1e-6f));
    assertThat(mix[size * 2 + 7]).isCloseTo(0.25f * 2 + 0.75f * 1, within(1e-6f));
  }
}
