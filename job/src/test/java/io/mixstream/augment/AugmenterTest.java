package io.mixstream.augment;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.mixstream.config.TrainingConfig;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class AugmenterTest {
  private static byte[][] images(int n) {
    SplittableRandom r = new SplittableRandom(2);
    byte[][] out = new byte[n][3072];
    for (byte[] img : out) {
      for (int i = 0; i < img.length; i++) {
        img[i] = (byte) r.nextInt(256);
      }
    }
    return out;
  }

  @Test
  void sameSeedAndStepGiveTheSameViewsAndOthersDiffer() {
    TrainingConfig c = TrainingConfig.defaults();
    Augmenter a = new Augmenter(c.augmentation(), 32, c.seed());
    SourceImage[] imgs =
        java.util.Arrays.stream(images(16)).map(SourceImage::cifar).toArray(SourceImage[]::new);
    float[] v = a.view(imgs, 3, 0);
    assertThat(a.view(imgs, 3, 0)).containsExactly(v);
    assertThat(a.view(imgs, 3, 1)).isNotEqualTo(v);
    assertThat(a.view(imgs, 4, 0)).isNotEqualTo(v);
    float lo = (0 - 0.4914f) / 0.2023f - 1e-4f;
    float hi = (1 - 0.4465f) / 0.2010f + 1e-4f;
    for (float f : v) {
      assertThat(f).isBetween(lo, hi);
    }
  }

  @Test
  void fullWindowResizeIsTheIdentity() {
    byte[] img = images(1)[0];
    float[] out = new float[3072];
    ResizedCrop.resize(img, 3, 32, 32, new ResizedCrop.Window(0, 0, 32, 32), 32, out);
    for (int i = 0; i < 3072; i++) {
      assertThat(out[i]).isEqualTo((img[i] & 0xFF) / 255f);
    }
  }

  @Test
  void halfWindowUpsamplesBilinearly() {
    byte[] img = new byte[3 * 4];
    for (int i = 0; i < 4; i++) {
      img[i] = (byte) (i * 50); // row 0: 0 50, row 1: 100 150 in a 2x2 R plane
    }
    float[] out = new float[3 * 16];
    ResizedCrop.resize(img, 3, 2, 2, new ResizedCrop.Window(0, 0, 2, 2), 4, out);
    // output (1,1): source (0.25, 0.25) → 0·(.75·.75) + 50·(.75·.25) + 100·(.25·.75) +
    // 150·(.25·.25)
    assertThat(out[5] * 255).isCloseTo(50 * 0.1875f + 100 * 0.1875f + 150 * 0.0625f, within(1e-3f));
    assertThat(out[0] * 255).isCloseTo(0, within(1e-3f)); // clamps to the corner
  }

  /**
   * The separable resize against the obvious one: for every output pixel and channel, both source
   * rows interpolated across and blended, in the same float expressions. Bit for bit, over random
   * windows of real-sized crops (CIFAR's views must stay what they were), and within 1e-5 of the
   * exact bilinear value in doubles.
   */
  @Test
  void separableResizeGivesThePerPixelBilinearBits() {
    byte[] img = images(1)[0];
    SplittableRandom r = new SplittableRandom(9);
    for (int t = 0; t < 200; t++) {
      ResizedCrop.Window win = ResizedCrop.sample(32, 32, 0.08, 1.0, 3.0 / 4, 4.0 / 3, r);
      float[] out = new float[3072];
      ResizedCrop.resize(img, 3, 32, 32, win, 32, out);
      for (int c = 0; c < 3; c++) {
        for (int oy = 0; oy < 32; oy++) {
          double fy = Math.max(0, (oy + 0.5) * win.height() / 32.0 - 0.5);
          int y0 = Math.min((int) fy, win.height() - 1);
          int y1 = Math.min(y0 + 1, win.height() - 1);
          float wy = (float) (fy - y0);
          for (int ox = 0; ox < 32; ox++) {
            double fx = Math.max(0, (ox + 0.5) * win.width() / 32.0 - 0.5);
            int x0 = Math.min((int) fx, win.width() - 1);
            int x1 = Math.min(x0 + 1, win.width() - 1);
            float wx = (float) (fx - x0);
            float a = px(img, c, win.top() + y0, win.left() + x0);
            float b = px(img, c, win.top() + y0, win.left() + x1);
            float d = px(img, c, win.top() + y1, win.left() + x0);
            float e = px(img, c, win.top() + y1, win.left() + x1);
            float top = a + (b - a) * wx;
            float bottom = d + (e - d) * wx;
            float expected = (top + (bottom - top) * wy) / 255f;
            float got = out[c * 1024 + oy * 32 + ox];
            assertThat(Float.floatToRawIntBits(got))
                .as("window %s, channel %d, pixel (%d, %d)", win, c, oy, ox)
                .isEqualTo(Float.floatToRawIntBits(expected));
            double exact =
                ((1 - (fx - x0)) * (1 - (fy - y0)) * a
                        + (fx - x0) * (1 - (fy - y0)) * b
                        + (1 - (fx - x0)) * (fy - y0) * d
                        + (fx - x0) * (fy - y0) * e)
                    / 255;
            assertThat((double) got).isCloseTo(exact, within(1e-5));
          }
        }
      }
    }
  }

  private static float px(byte[] img, int c, int y, int x) {
    return img[c * 1024 + y * 32 + x] & 0xFF;
  }

  @Test
  void cropWindowsStayInsideAndFollowTheScaleRange() {
    SplittableRandom r = new SplittableRandom(7);
    for (int i = 0; i < 1000; i++) {
      ResizedCrop.Window w = ResizedCrop.sample(32, 32, 0.08, 1.0, 3.0 / 4, 4.0 / 3, r);
      assertThat(w.top()).isBetween(0, 32 - w.height());
      assertThat(w.left()).isBetween(0, 32 - w.width());
      assertThat(w.height() * w.width()).isBetween(1, 1024);
    }
    // impossible scales force the centre-crop fallback
    ResizedCrop.Window fallback = ResizedCrop.sample(32, 32, 5.0, 6.0, 3.0 / 4, 4.0 / 3, r);
    assertThat(fallback).isEqualTo(new ResizedCrop.Window(0, 0, 32, 32));
  }

  @Test
  void cropWindowsFollowTheAspectRatioRange() {
    SplittableRandom r = new SplittableRandom(3);
    double sum = 0;
    for (int i = 0; i < 1000; i++) {
      ResizedCrop.Window w = ResizedCrop.sample(64, 64, 0.1, 0.5, 1.5, 2.0, r);
      double ratio = (double) w.width() / w.height();
      // each side is rounded to whole pixels (at least 14 here): within 10% of the range
      assertThat(ratio).isBetween(1.5 * 0.9, 2.0 * 1.1);
      sum += ratio;
    }
    assertThat(sum / 1000).as("log-uniform in [1.5, 2]: mean near 1.74").isBetween(1.68, 1.80);
    // a tall image no ratio in range fits: torchvision's fallback, a centre crop at ratioMin
    assertThat(ResizedCrop.sample(64, 16, 5.0, 6.0, 1.0, 1.0, r))
        .isEqualTo(new ResizedCrop.Window(24, 0, 16, 16));
  }

  /** The colour operations' formulas: ColorJitterTest, against torchvision's. */
  @Test
  void flipMirrorsEachRowOfEachPlane() {
    float[] flip = {1, 2, 3, 4};
    ColorOps.flipHorizontal(flip, 2);
    assertThat(flip).containsExactly(2, 1, 4, 3);
  }
}
