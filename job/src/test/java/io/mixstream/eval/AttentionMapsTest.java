package io.mixstream.eval;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import io.mixstream.augment.Normalization;
import io.mixstream.config.ChannelStats;
import io.mixstream.config.Method;
import io.mixstream.train.MocoTrainer;
import io.mixstream.train.TrainerFixtures;
import org.junit.jupiter.api.Test;

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

  @Test
  void theMapIsTheChannelMeanOfLayer4sPowerUpsampledAndNormalised() {
    int side = 64;
    byte[] image = new byte[3 * side * side];
    new java.util.SplittableRandom(2).nextBytes(image);
    try (MocoTrainer t = TrainerFixtures.trainer(TrainerFixtures.tiny(Method.MOCO));
        SnapshotEncoder e = new SnapshotEncoder(t.encoderSnapshot(), Device.cpu())) {
      for (int p : new int[] {1, 2}) {
        float[] map = AttentionMaps.of(e, image, side, p);
        // the slow way: every channel of the 8x8 map, summed in double
        NDArray x =
            e.manager()
                .create(
                    Normalization.testTransform(new byte[][] {image}, ChannelStats.CIFAR10),
                    new Shape(1, 3, side, side));
        float[] f = e.encoder().forward(x, false).featureMap().toFloatArray();
        int c = e.encoder().featureChannels();
        float[] coarse = new float[64];
        for (int i = 0; i < 64; i++) {
          double s = 0;
          for (int ch = 0; ch < c; ch++) {
            s += Math.pow(f[ch * 64 + i], p);
          }
          coarse[i] = (float) (s / c);
        }
        float[] up = AttentionMaps.bilinear(coarse, 8, 8, side, side);
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
