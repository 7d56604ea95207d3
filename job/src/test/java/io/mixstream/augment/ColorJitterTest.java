package io.mixstream.augment;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.mixstream.config.TrainingConfig;
import io.mixstream.rng.Shuffle;
import io.mixstream.testing.SharedData;
import java.io.IOException;
import java.util.HashMap;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The colour operations against torchvision's tensor formulas (torchvision/transforms/_functional
 * _tensor.py: {@code _blend}, {@code _rgb2hsv}, {@code _hsv2rgb}), written here again in double
 * precision, the slow obvious way; and the augmentation's probabilities and random order against
 * counts over many draws. One deliberate difference: the luma is ALGORITHM.md's 0.299/0.587/0.114
 * (PIL's, which the papers' code used), where torchvision's tensor version says 0.2989.
 */
class ColorJitterTest {
  private static final double[] LUMA = {0.299, 0.587, 0.114};

  // ---- torchvision's formulas, per pixel, double precision ----

  private static double clamp(double v) {
    return Math.max(0, Math.min(1, v));
  }

  private static double luma(double[] rgb) {
    return LUMA[0] * rgb[0] + LUMA[1] * rgb[1] + LUMA[2] * rgb[2];
  }

  /** _blend(img1, img2, ratio) = clamp(ratio·img1 + (1 − ratio)·img2). */
  private static double blend(double a, double b, double ratio) {
    return clamp(ratio * a + (1 - ratio) * b);
  }

  /** torchvision's _rgb2hsv, one pixel. */
  private static double[] rgb2hsv(double r, double g, double b) {
    double maxc = Math.max(r, Math.max(g, b));
    double minc = Math.min(r, Math.min(g, b));
    boolean eqc = maxc == minc;
    double cr = maxc - minc;
    double s = cr / (eqc ? 1 : maxc);
    double div = eqc ? 1 : cr;
    double rc = (maxc - r) / div;
    double gc = (maxc - g) / div;
    double bc = (maxc - b) / div;
    double hr = maxc == r ? bc - gc : 0;
    double hg = (maxc == g && maxc != r) ? 2.0 + rc - bc : 0;
    double hb = (maxc != g && maxc != r) ? 4.0 + gc - rc : 0;
    double h = ((hr + hg + hb) / 6.0 + 1.0) % 1.0;
    return new double[] {h, s, maxc};
  }

  /** torchvision's _hsv2rgb, one pixel. */
  private static double[] hsv2rgb(double h, double s, double v) {
    double i = Math.floor(h * 6.0);
    double f = h * 6.0 - i;
    int sector = ((int) i) % 6;
    double p = clamp(v * (1 - s));
    double q = clamp(v * (1 - s * f));
    double t = clamp(v * (1 - s * (1 - f)));
    double[][] table = {{v, t, p}, {q, v, p}, {p, v, t}, {p, q, v}, {t, p, v}, {v, p, q}};
    return table[sector];
  }

  private static double[] adjustHue(double[] rgb, double shift) {
    double[] hsv = rgb2hsv(rgb[0], rgb[1], rgb[2]);
    double h = ((hsv[0] + shift) % 1.0 + 1.0) % 1.0;
    return hsv2rgb(h, hsv[1], hsv[2]);
  }

  // ---- planar helpers ----

  private static float[] planar(double[]... pixels) {
    int n = pixels.length;
    float[] out = new float[3 * n];
    for (int i = 0; i < n; i++) {
      for (int c = 0; c < 3; c++) {
        out[c * n + i] = (float) pixels[i][c];
      }
    }
    return out;
  }

  private static double[] pixel(float[] planar, int i) {
    int n = planar.length / 3;
    return new double[] {planar[i], planar[n + i], planar[2 * n + i]};
  }

  private static void assertPixel(float[] planar, int i, double[] want, double tol) {
    double[] got = pixel(planar, i);
    for (int c = 0; c < 3; c++) {
      assertThat(got[c]).as("pixel %d channel %d", i, c).isCloseTo(want[c], within(tol));
    }
  }

  @Test
  void contrastBlendsWithTheMeanLumaOfTheWholeImage() {
    double[] a = {0.2, 0.6, 0.9};
    double[] b = {0.8, 0.4, 0.0};
    // by hand: luma(a) = 0.5146, luma(b) = 0.4740, mean 0.4943
    double mean = (luma(a) + luma(b)) / 2;
    assertThat(mean).isCloseTo(0.4943, within(1e-12));
    for (float factor : new float[] {0.5f, 1.4f, 2f}) {
      float[] img = planar(a, b);
      ColorOps.contrast(img, factor);
      for (int i = 0; i < 2; i++) {
        double[] src = i == 0 ? a : b;
        assertPixel(
            img,
            i,
            new double[] {
              blend(src[0], mean, factor), blend(src[1], mean, factor), blend(src[2], mean, factor)
            },
            1e-6);
      }
    }
    float[] half = planar(a, b);
    ColorOps.contrast(half, 0.5f);
    assertThat(half[0]).as("by hand: 0.5·0.2 + 0.5·0.4943").isCloseTo(0.34715f, within(1e-6f));
    float[] twice = planar(a, b);
    ColorOps.contrast(twice, 2f);
    assertThat(pixel(twice, 0)[2]).as("clamped at 1").isEqualTo(1.0);
    assertThat(pixel(twice, 1)[2]).as("clamped at 0").isEqualTo(0.0);
  }

  @Test
  void saturationBlendsEachPixelWithItsOwnLumaAndBrightnessScales() {
    double[] a = {0.2, 0.6, 0.9};
    double[] b = {0.8, 0.4, 0.0};
    for (float factor : new float[] {0f, 0.6f, 1.4f}) {
      float[] img = planar(a, b);
      ColorOps.saturation(img, factor);
      for (int i = 0; i < 2; i++) {
        double[] src = i == 0 ? a : b;
        double grey = luma(src);
        assertPixel(
            img,
            i,
            new double[] {
              blend(src[0], grey, factor), blend(src[1], grey, factor), blend(src[2], grey, factor)
            },
            1e-6);
      }
      float[] bright = planar(a, b);
      ColorOps.brightness(bright, factor);
      assertPixel(bright, 1, new double[] {clamp(0.8 * factor), clamp(0.4 * factor), 0.0}, 1e-6);
    }
    float[] half = planar(a);
    ColorOps.saturation(half, 0.5f);
    assertThat(half[0]).as("by hand: 0.5·0.2 + 0.5·0.5146").isCloseTo(0.3573f, within(1e-6f));
  }

  @Test
  void hueMatchesTorchvisionInEverySectorAndAtEveryMaximumChannel() {
    double[][] pixels = {
      {0.9, 0.3, 0.1}, // max R
      {0.2, 0.7, 0.4}, // max G
      {0.3, 0.1, 0.8}, // max B
      {0.6, 0.6, 0.2}, // R = G
      {0.5, 0.5, 0.5}, // grey: no hue
      {1.0, 0.0, 0.0},
      {0.0, 0.0, 0.0}
    };
    Map<Integer, Integer> sectorsHit = new HashMap<>();
    for (double[] p : pixels) {
      for (int k = 0; k < 6; k++) {
        // land in every sector: from the pixel's own hue, shift by k/6 (wrapped into [-0.5, 0.5])
        double shift = k / 6.0 + 0.02;
        shift = shift > 0.5 ? shift - 1 : shift;
        double[] hsv = rgb2hsv(p[0], p[1], p[2]);
        if (hsv[1] > 0) {
          int sector = (int) Math.floor(((hsv[0] + shift) % 1.0 + 1.0) % 1.0 * 6);
          sectorsHit.merge(sector, 1, Integer::sum);
        }
        float[] img = planar(p);
        ColorOps.hue(img, (float) shift);
        assertPixel(img, 0, adjustHue(p, shift), 2e-6);
      }
    }
    assertThat(sectorsHit.keySet()).containsExactlyInAnyOrder(0, 1, 2, 3, 4, 5);

    // by hand: orange (1, 0.5, 0) has hue 1/12; + 1/2 is 7/12, sector 3 at f = 0.5 → (0, 0.5, 1)
    float[] orange = planar(new double[] {1.0, 0.5, 0.0});
    ColorOps.hue(orange, 0.5f);
    assertPixel(orange, 0, new double[] {0.0, 0.5, 1.0}, 1e-6);
  }

  @Test
  void grayscaleIsTheLumaInEveryChannel() {
    float[] img = planar(new double[] {0.2, 0.6, 0.9});
    ColorOps.grayscale(img);
    double l = 0.299 * 0.2 + 0.587 * 0.6 + 0.114 * 0.9; // 0.5146
    assertPixel(img, 0, new double[] {l, l, l}, 1e-6);
  }

  // ---- the pipeline's random choices ----

  private static Augmenter onlyCrop(double flip, double jitter, double grey) {
    TrainingConfig.Builder b = TrainingConfig.defaults().toBuilder();
    b.cropScaleMin = 1.0; // the full image: then the crop adds nothing to the comparison
    b.cropScaleMax = 1.0;
    b.flipProbability = flip;
    b.jitterProbability = jitter;
    b.grayscaleProbability = grey;
    TrainingConfig c = b.build();
    return new Augmenter(c.augmentation(), 32, c.seed());
  }

  private static byte[] cifarImage() throws IOException {
    return io.mixstream.cifar.Cifar10Reader.read(
            SharedData.cifar10(), io.mixstream.cifar.CifarSplit.TEST)
        .pixels(7);
  }

  private static SourceImage source(byte[] planar) {
    return SourceImage.cifar(planar);
  }

  private static float[] unit(byte[] planar) {
    float[] out = new float[planar.length];
    for (int i = 0; i < out.length; i++) {
      out[i] = (planar[i] & 0xff) / 255f;
    }
    return out;
  }

  @Test
  void flipJitterAndGrayscaleHappenAsOftenAsTheirProbabilities() throws IOException {
    byte[] src = cifarImage();
    float[] identity = unit(src);
    float[] mirrored = identity.clone();
    ColorOps.flipHorizontal(mirrored, 32);
    int draws = 4000;
    // 3 standard deviations of a binomial share over 4000 draws is at most 0.024
    int flips = 0;
    Augmenter flipOnly = onlyCrop(0.5, 0, 0);
    int jittered = 0;
    Augmenter jitterOnly = onlyCrop(0, 0.8, 0);
    int grey = 0;
    Augmenter greyOnly = onlyCrop(0, 0, 0.2);
    for (int d = 0; d < draws; d++) {
      float[] f = flipOnly.augmentOne(source(src), new SplittableRandom(d));
      if (java.util.Arrays.equals(f, mirrored)) {
        flips++;
      } else {
        assertThat(f).isEqualTo(identity);
      }
      if (!java.util.Arrays.equals(
          jitterOnly.augmentOne(source(src), new SplittableRandom(d)), identity)) {
        jittered++;
      }
      float[] g = greyOnly.augmentOne(source(src), new SplittableRandom(d));
      if (java.util.Arrays.equals(g, 0, 1024, g, 1024, 2048)) {
        grey++;
      }
    }
    assertThat(flips / (double) draws).isCloseTo(0.5, within(0.024));
    assertThat(jittered / (double) draws).isCloseTo(0.8, within(0.024));
    assertThat(grey / (double) draws).isCloseTo(0.2, within(0.024));
  }

  @Test
  void theFourJitterOperationsRunInEveryOrderAboutEquallyOften() {
    Map<String, Integer> orders = new HashMap<>();
    SplittableRandom r = new SplittableRandom(5);
    int draws = 24_000;
    for (int d = 0; d < draws; d++) {
      orders.merge(java.util.Arrays.toString(Shuffle.permutation(4, r)), 1, Integer::sum);
    }
    assertThat(orders).hasSize(24);
    // each order 1/24: 1000 expected, 3 standard deviations about 94
    orders.values().forEach(n -> assertThat(n).isBetween(900, 1100));
  }

  /**
   * The jitter as applied: the same draws as the augmenter (order, then the four factors), applied
   * here with torchvision's formulas in that order; a fixed order or a swapped factor would differ.
   */
  @Test
  void jitterAppliesItsFourOperationsInTheDrawnOrderWithTheDrawnFactors() throws IOException {
    byte[] src = cifarImage();
    Augmenter a = onlyCrop(0, 1.0, 0);
    for (int d = 0; d < 50; d++) {
      float[] got = a.augmentOne(source(src), new SplittableRandom(d));
      SplittableRandom r = new SplittableRandom(d);
      ResizedCrop.sample(32, 32, 1.0, 1.0, 3.0 / 4, 4.0 / 3, r); // the crop's draws
      r.nextDouble(); // flip
      r.nextDouble(); // jitter
      int[] order = Shuffle.permutation(4, r);
      double bf = 0.6 + 0.8 * r.nextDouble();
      double cf = 0.6 + 0.8 * r.nextDouble();
      double sf = 0.6 + 0.8 * r.nextDouble();
      double hf = (r.nextDouble() * 2 - 1) * 0.1;
      float[] u = unit(src);
      double[][] px = new double[1024][];
      for (int i = 0; i < 1024; i++) {
        px[i] = pixel(u, i);
      }
      for (int op : order) {
        double mean = 0;
        for (double[] p : px) {
          mean += luma(p) / 1024;
        }
        for (int i = 0; i < 1024; i++) {
          double[] p = px[i];
          double grey = luma(p);
          px[i] =
              switch (op) {
                case 0 -> new double[] {blend(p[0], 0, bf), blend(p[1], 0, bf), blend(p[2], 0, bf)};
                case 1 ->
                    new double[] {
                      blend(p[0], mean, cf), blend(p[1], mean, cf), blend(p[2], mean, cf)
                    };
                case 2 ->
                    new double[] {
                      blend(p[0], grey, sf), blend(p[1], grey, sf), blend(p[2], grey, sf)
                    };
                default -> adjustHue(p, hf);
              };
        }
      }
      for (int i = 0; i < 1024; i++) {
        assertPixel(got, i, px[i], 2e-5);
      }
    }
  }
}
