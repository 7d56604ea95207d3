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

  @Test
  void cropWindowsStayInsideAndFollowTheScaleRange() {
    SplittableRandom r = new SplittableRandom(7);
    for (int i = 0; i < 1000; i++) {
      ResizedCrop.Window w = ResizedCrop.sample(32, 32, 0.08, 1.0, r);
      assertThat(w.top()).isBetween(0, 32 - w.height());
      assertThat(w.left()).isBetween(0, 32 - w.width());
      assertThat(w.height() * w.width()).isBetween(1, 1024);
    }
    // impossible scales force the centre-crop fallback
    ResizedCrop.Window fallback = ResizedCrop.sample(32, 32, 5.0, 6.0, r);
    assertThat(fallback).isEqualTo(new ResizedCrop.Window(0, 0, 32, 32));
  }

  /** The colour operations' formulas: ColorJitterTest, against torchvision's. */
  @Test
  void flipMirrorsEachRowOfEachPlane() {
    float[] flip = {1, 2, 3, 4};
    ColorOps.flipHorizontal(flip, 2);
    assertThat(flip).containsExactly(2, 1, 4, 3);
  }
}
