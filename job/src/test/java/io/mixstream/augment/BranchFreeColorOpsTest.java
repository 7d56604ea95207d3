package io.mixstream.augment;

import static org.assertj.core.api.Assertions.assertThat;

import io.mixstream.cifar.Cifar10Dataset;
import io.mixstream.cifar.Cifar10Reader;
import io.mixstream.cifar.CifarSplit;
import io.mixstream.testing.SharedData;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The colour operations are written branch-free and a tile at a time so that the JIT vectorises
 * them; here they must give exactly the floats of the per-pixel algorithm with its branches,
 * written below the slow obvious way (the code they replaced), on real CIFAR images, random values,
 * the edge values where a branch-free form could slip (0, −0, 1, the smallest subnormal, ties
 * between channels, grey and black pixels, shifts of ±0 and ±0.5), and image sizes either side of a
 * tile. Values are compared with ==, which takes −0 for +0 (nothing after tells them apart:
 * normalisation subtracts a non-zero mean).
 */
class BranchFreeColorOpsTest {
  private static final float[] EDGES = {
    0f, -0f, 1f, Float.MIN_VALUE, 1e-30f, 0.5f, 0.99999994f, 1e-7f, 0.25f, 0.75f
  };

  // ---- the per-pixel algorithm, in float, with its branches ----

  private static float clamp(float v) {
    return v < 0 ? 0 : (v > 1 ? 1 : v);
  }

  private static float luma(float r, float g, float b) {
    return 0.299f * r + 0.587f * g + 0.114f * b;
  }

  private static void brightness(float[] img, float factor) {
    for (int i = 0; i < img.length; i++) {
      img[i] = clamp(img[i] * factor);
    }
  }

  private static void contrast(float[] img, float factor) {
    int n = img.length / 3;
    double sum = 0;
    for (int i = 0; i < n; i++) {
      sum += luma(img[i], img[n + i], img[2 * n + i]);
    }
    float offset = (1 - factor) * (float) (sum / n);
    for (int i = 0; i < img.length; i++) {
      img[i] = clamp(factor * img[i] + offset);
    }
  }

  private static void saturation(float[] img, float factor) {
    int n = img.length / 3;
    for (int i = 0; i < n; i++) {
      float offset = (1 - factor) * luma(img[i], img[n + i], img[2 * n + i]);
      for (int c = 0; c < 3; c++) {
        img[c * n + i] = clamp(factor * img[c * n + i] + offset);
      }
    }
  }

  private static void grayscale(float[] img) {
    int n = img.length / 3;
    for (int i = 0; i < n; i++) {
      float grey = luma(img[i], img[n + i], img[2 * n + i]);
      img[i] = grey;
      img[n + i] = grey;
      img[2 * n + i] = grey;
    }
  }

  private static void hue(float[] img, float shift) {
    int n = img.length / 3;
    for (int i = 0; i < n; i++) {
      float r = img[i];
      float g = img[n + i];
      float b = img[2 * n + i];
      float max = Math.max(r, Math.max(g, b));
      float min = Math.min(r, Math.min(g, b));
      float chroma = max - min;
      float s = max == min ? 0 : chroma / max;
      float h;
      if (max == min) {
        h = 0;
      } else if (max == r) {
        h = (g - b) / chroma;
      } else if (max == g) {
        h = 2f + (b - r) / chroma;
      } else {
        h = 4f + (r - g) / chroma;
      }
      h = h / 6f + shift;
      if (h < 0) {
        h += 1f;
      } else if (h >= 1) {
        h -= 1f;
      }
      float h6 = h * 6f;
      int whole = (int) h6;
      float f = h6 - whole;
      float p = clamp(max * (1 - s));
      float q = clamp(max * (1 - s * f));
      float t = clamp(max * (1 - s * (1 - f)));
      float[][] bySector = {
        {max, t, p}, {q, max, p}, {p, max, t}, {p, q, max}, {t, p, max}, {max, p, q}
      };
      float[] rgb = bySector[whole % 6];
      img[i] = rgb[0];
      img[n + i] = rgb[1];
      img[2 * n + i] = rgb[2];
    }
  }

  // ---- the comparison ----

  private static List<float[]> images() throws IOException {
    Cifar10Dataset cifar = Cifar10Reader.read(SharedData.cifar10(), CifarSplit.TEST);
    SplittableRandom rng = new SplittableRandom(3);
    List<float[]> images = new ArrayList<>();
    for (int k = 0; k < 60; k++) {
      byte[] pixels = cifar.pixels(k);
      float[] img = new float[pixels.length];
      for (int i = 0; i < img.length; i++) {
        img[i] = (pixels[i] & 0xFF) / 255f;
      }
      images.add(img);
    }
    for (int pixels : new int[] {1, 2, 1023, 1024, 1025, 2500}) {
      for (int kind = 0; kind < 3; kind++) {
        float[] img = new float[3 * pixels];
        for (int i = 0; i < img.length; i++) {
          img[i] = kind == 0 ? (float) rng.nextDouble() : EDGES[rng.nextInt(EDGES.length)];
          if (kind == 2 && i >= pixels && rng.nextBoolean()) {
            img[i] = img[i - pixels]; // ties between channels, and grey pixels
          }
        }
        images.add(img);
      }
    }
    return images;
  }

  private interface Op {
    void apply(float[] img);
  }

  private static void assertSame(String what, float[] image, Op slow, Op fast) {
    float[] expected = image.clone();
    float[] actual = image.clone();
    slow.apply(expected);
    fast.apply(actual);
    for (int i = 0; i < image.length; i++) {
      if (!(expected[i] == actual[i])) {
        int n = image.length / 3;
        int p = i % n;
        throw new AssertionError(
            "%s at float %d of %d: pixel (%s, %s, %s) gave %s, the per-pixel algorithm %s"
                .formatted(
                    what,
                    i,
                    image.length,
                    image[p],
                    image[n + p],
                    image[2 * n + p],
                    actual[i],
                    expected[i]));
      }
    }
  }

  @Test
  void everyOperationGivesThePerPixelAlgorithmsFloats() throws IOException {
    SplittableRandom rng = new SplittableRandom(11);
    int compared = 0;
    for (float[] image : images()) {
      float factor = (float) (2 * rng.nextDouble());
      assertSame(
          "brightness", image, x -> brightness(x, factor), x -> ColorOps.brightness(x, factor));
      assertSame("contrast", image, x -> contrast(x, factor), x -> ColorOps.contrast(x, factor));
      assertSame(
          "saturation", image, x -> saturation(x, factor), x -> ColorOps.saturation(x, factor));
      assertSame("grayscale", image, BranchFreeColorOpsTest::grayscale, ColorOps::grayscale);
      for (float shift :
          new float[] {0f, -0f, 0.5f, -0.5f, 1f / 6, -1f / 3, (float) rng.nextDouble() - 0.5f}) {
        assertSame("hue " + shift, image, x -> hue(x, shift), x -> ColorOps.hue(x, shift));
      }
      compared += image.length;
    }
    assertThat(compared).as("floats compared per operation").isGreaterThan(60 * 3072);
  }
}
