package io.mixstream.loss;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.mixstream.config.Stem;
import io.mixstream.mixing.CutMixBox;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

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

  /** 32 with the CIFAR stem (4x4), and 64 and 96 with both stems (8, 12; 2, 3). */
  @ParameterizedTest
  @CsvSource({"32, cifar", "64, cifar", "96, cifar", "64, imagenet", "96, imagenet"})
  void weightedPoolEqualsExplicitUpsampleAndMask(int side, String stemName) {
    int map = Stem.valueOf(stemName.toUpperCase(java.util.Locale.ROOT)).featureSide(side);
    Random random = new Random(3);
    int b = 2;
    int c = 5;
    int cells = map * map;
    float[] f = new float[b * c * cells];
    for (int i = 0; i < f.length; i++) {
      f[i] = (float) random.nextGaussian();
    }
    try (NDManager m = NDManager.newBaseManager()) {
      NDArray features = m.create(f, new Shape(b, c, map, map));
      int q = side / 8;
      for (CutMixBox box :
          new CutMixBox[] {
            new CutMixBox(side, 3, 17 * q / 4, 10, side - 3),
            new CutMixBox(side, 0, side, 0, 1),
            new CutMixBox(side, side - 4, side, 0, side),
            new CutMixBox(side, 5, 6, side - 2, side - 1),
            new CutMixBox(side, q, 3 * q, 2 * q + 1, 5 * q)
          }) {
        RegionPooling.Weights w = RegionPooling.weights(box, map);
        float[] local = RegionPooling.pool(features, w.inside()).toFloatArray();
        float[] global = RegionPooling.pool(features, w.outside()).toFloatArray();
        for (int n = 0; n < b; n++) {
          for (int ch = 0; ch < c; ch++) {
            double[][] up = upsample(f, (n * c + ch) * cells, map, side);
            double in = 0;
            double out = 0;
            for (int y = 0; y < side; y++) {
              for (int x = 0; x < side; x++) {
                if (box.contains(y, x)) {
                  in += up[y][x];
                } else {
                  out += up[y][x];
                }
              }
            }
            assertThat((double) local[n * c + ch])
                .as("%s inside at %d/%s", box, side, stemName)
                .isCloseTo(in / box.area(), within(1e-5));
            assertThat((double) global[n * c + ch])
                .as("%s outside at %d/%s", box, side, stemName)
                .isCloseTo(out / (side * side - box.area()), within(1e-5));
          }
        }
      }
    }
  }

  /** PyTorch's bilinear upsample (align_corners=False) from map² to side², pixel by pixel. */
  private static double[][] upsample(float[] f, int off, int map, int side) {
    double[][] up = new double[side][side];
    double scale = (double) map / side;
    for (int y = 0; y < side; y++) {
      double sy = Math.max(0, (y + 0.5) * scale - 0.5);
      int y0 = Math.min((int) Math.floor(sy), map - 1);
      int y1 = Math.min(y0 + 1, map - 1);
      double fy = sy - y0;
      for (int x = 0; x < side; x++) {
        double sx = Math.max(0, (x + 0.5) * scale - 0.5);
        int x0 = Math.min((int) Math.floor(sx), map - 1);
        int x1 = Math.min(x0 + 1, map - 1);
        double fx = sx - x0;
        up[y][x] =
            (1 - fy) * ((1 - fx) * f[off + y0 * map + x0] + fx * f[off + y0 * map + x1])
                + fy * ((1 - fx) * f[off + y1 * map + x0] + fx * f[off + y1 * map + x1]);
      }
    }
    return up;
  }
}
