package io.mixstream.loss;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.mixstream.mixing.CutMixBox;
import java.util.Random;
import org.junit.jupiter.api.Test;

class RegionPoolingTest {
  @Test
  void interpolationMatrixRowsSumToOneAndColumnsToEight() {
    double[][] u = RegionPooling.interpolationMatrix(32, 4);
    for (double[] row : u) {
      assertThat(row[0] + row[1] + row[2] + row[3]).isCloseTo(1, within(1e-12));
    }
    for (int s = 0; s < 4; s++) {
      double col = 0;
      for (double[] row : u) {
        col += row[s];
      }
      assertThat(col).isCloseTo(8, within(1e-12));
    }
    assertThat(u[0][0]).isEqualTo(1.0); // rows 0-3 map fully to cell 0
    assertThat(u[3][0]).isEqualTo(1.0);
    assertThat(u[31][3]).isEqualTo(1.0);
    assertThat(u[4][0]).isCloseTo(15.0 / 16, within(1e-12)); // s = 4.5/8 - 0.5 = 1/16
  }

  @Test
  void weightedPoolEqualsExplicitUpsampleAndMask() {
    Random random = new Random(3);
    int b = 2;
    int c = 5;
    float[] f = new float[b * c * 16];
    for (int i = 0; i < f.length; i++) {
      f[i] = (float) random.nextGaussian();
    }
    try (NDManager m = NDManager.newBaseManager()) {
      NDArray map = m.create(f, new Shape(b, c, 4, 4));
      for (CutMixBox box :
          new CutMixBox[] {
            new CutMixBox(32, 3, 17, 10, 29),
            new CutMixBox(32, 0, 32, 0, 1),
            new CutMixBox(32, 28, 32, 0, 32),
            new CutMixBox(32, 5, 6, 30, 31)
          }) {
        RegionPooling.Weights w = RegionPooling.weights(box);
        float[] local = RegionPooling.pool(map, w.inside()).toFloatArray();
        float[] global = RegionPooling.pool(map, w.outside()).toFloatArray();
        for (int n = 0; n < b; n++) {
          for (int ch = 0; ch < c; ch++) {
            double[][] up = upsample(f, (n * c + ch) * 16);
            double in = 0;
            double out = 0;
            for (int y = 0; y < 32; y++) {
              for (int x = 0; x < 32; x++) {
                if (box.contains(y, x)) {
                  in += up[y][x];
                } else {
                  out += up[y][x];
                }
              }
            }
            assertThat((double) local[n * c + ch]).isCloseTo(in / box.area(), within(1e-5));
            assertThat((double) global[n * c + ch])
                .isCloseTo(out / (1024 - box.area()), within(1e-5));
          }
        }
      }
    }
  }

  /** PyTorch's bilinear upsample (align_corners=False), written out pixel by pixel. */
  private static double[][] upsample(float[] f, int off) {
    double[][] up = new double[32][32];
    for (int y = 0; y < 32; y++) {
      double sy = Math.max(0, (y + 0.5) / 8 - 0.5);
      int y0 = (int) Math.floor(sy);
      int y1 = Math.min(y0 + 1, 3);
      double fy = sy - y0;
      for (int x = 0; x < 32; x++) {
        double sx = Math.max(0, (x + 0.5) / 8 - 0.5);
        int x0 = (int) Math.floor(sx);
        int x1 = Math.min(x0 + 1, 3);
        double fx = sx - x0;
        up[y][x] =
            (1 - fy) * ((1 - fx) * f[off + y0 * 4 + x0] + fx * f[off + y0 * 4 + x1])
                + fy * ((1 - fx) * f[off + y1 * 4 + x0] + fx * f[off + y1 * 4 + x1]);
      }
    }
    return up;
  }
}
