package io.mixstream.eval;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import io.mixstream.augment.Normalization;
import io.mixstream.config.ChannelStats;
import io.mixstream.config.Method;
import io.mixstream.config.Stem;
import io.mixstream.config.TrainingConfig;
import io.mixstream.train.MocoTrainer;
import io.mixstream.train.TrainerFixtures;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class AttentionMapsTest {
  @Test
  void bilinearMatchesPyTorchsAlignCornersFalseByHand() {
    // F.interpolate([[0,1],[2,3]], size=4, mode="bilinear", align_corners=False)
    float[] out = AttentionMaps.bilinear(new float[] {0, 1, 2, 3}, 2, 2, 4, 4);
    assertThat(out)
        .containsExactly(
            0f, .25f, .75f, 1f, //
            .5f, .75f, 1.25f, 1.5f, //
            1.5f, 1.75f, 2.25f, 2.5f, //
            2f, 2.25f, 2.75f, 3f);
  }

  /**
   * 64 px with the CIFAR stem (an 8x8 map), 96 px with the imagenet stem (3x3); a SimCLR snapshot
   * (no fc) as well.
   */
  @ParameterizedTest
  @CsvSource({"64, CIFAR, 8, MOCO", "96, IMAGENET, 3, MOCO", "64, CIFAR, 8, SIMCLR"})
  void theMapIsTheChannelMeanOfLayer4sPowerUpsampledAndNormalised(
      int side, Stem stem, int m, Method method) {
    byte[] image = new byte[3 * side * side];
    new java.util.SplittableRandom(2).nextBytes(image);
    TrainingConfig.Builder b = TrainerFixtures.tiny(method).toBuilder();
    b.imageSize = side;
    b.stem = stem;
    try (MocoTrainer t = TrainerFixtures.trainer(b.build());
        LoadedEncoder e = new LoadedEncoder(t.encoderSnapshot(), Device.cpu())) {
      for (int p : new int[] {1, 2}) {
        float[] map = AttentionMaps.of(e, image, side, p);
        // the slow way: every channel of the m x m map, summed in double
        NDArray x =
            e.manager()
                .create(
                    Normalization.testTransform(new byte[][] {image}, ChannelStats.CIFAR10),
                    new Shape(1, 3, side, side));
        float[] f = e.encoder().forward(x, false).featureMap().toFloatArray();
        int c = e.encoder().featureChannels();
        assertThat(f).hasSize(c * m * m);
        float[] coarse = new float[m * m];
        for (int i = 0; i < m * m; i++) {
          double s = 0;
          for (int ch = 0; ch < c; ch++) {
            s += Math.pow(f[ch * m * m + i], p);
          }
          coarse[i] = (float) (s / c);
        }
        float[] up = AttentionMaps.bilinear(coarse, m, m, side, side);
        float min = Float.MAX_VALUE;
        float max = -Float.MAX_VALUE;
        for (float v : up) {
          min = Math.min(min, v);
          max = Math.max(max, v);
        }
        assertThat(map).hasSize(side * side);
        for (int i = 0; i < map.length; i++) {
          assertThat(map[i]).isCloseTo((up[i] - min) / (max - min), within(1e-5f));
        }
      }
    }
  }
}
