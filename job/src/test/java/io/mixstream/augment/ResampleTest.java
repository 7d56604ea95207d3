package io.mixstream.augment;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.mixstream.cifar.Cifar10Dataset;
import io.mixstream.cifar.Cifar10Reader;
import io.mixstream.cifar.CifarSplit;
import io.mixstream.testing.SharedData;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The antialiased resize against the slow, obvious 2-D form of its formula, and against PIL's own
 * {@code resize(BILINEAR)} (Debian's python3-pil). PIL rounds to 8 bits between its two passes and
 * keeps 22-bit fixed-point weights, so the stated tolerance against it is one level of 255 at any
 * pixel; the mean difference is far below that.
 */
class ResampleTest {
  static final String PYTHON = System.getenv().getOrDefault("MIXSTREAM_PYTHON", "/usr/bin/python3");
  static SourceImage photo; // 96 x 128 real pixels: 3 x 4 CIFAR test images

  @BeforeAll
  static void mosaic() throws IOException {
    Cifar10Dataset test = Cifar10Reader.read(SharedData.cifar10(), CifarSplit.TEST);
    int h = 96;
    int w = 128;
    byte[] planar = new byte[3 * h * w];
    for (int tile = 0; tile < 12; tile++) {
      byte[] px = test.pixels(tile);
      int ty = (tile / 4) * 32;
      int tx = (tile % 4) * 32;
      for (int c = 0; c < 3; c++) {
        for (int y = 0; y < 32; y++) {
          for (int x = 0; x < 32; x++) {
            planar[c * h * w + (ty + y) * w + tx + x] = px[c * 1024 + y * 32 + x];
          }
        }
      }
    }
    photo = new SourceImage(h, w, planar);
  }

  /** The formula in two dimensions, pixel by pixel, no separation, no precomputed taps. */
  private static double slow(
      SourceImage img, ResizedCrop.Window win, int outH, int outW, int c, int oy, int ox) {
    double sy = (double) win.height() / outH;
    double sx = (double) win.width() / outW;
    double fy = Math.max(sy, 1);
    double fx = Math.max(sx, 1);
    double cy = (oy + 0.5) * sy;
    double cx = (ox + 0.5) * sx;
    double num = 0;
    double den = 0;
    for (int y = 0; y < win.height(); y++) {
      for (int x = 0; x < win.width(); x++) {
        double wy = Math.max(0, 1 - Math.abs((y + 0.5 - cy) / fy));
        double wx = Math.max(0, 1 - Math.abs((x + 0.5 - cx) / fx));
        int v =
            img.planar()[
                    c * img.height() * img.width() + (win.top() + y) * img.width() + win.left() + x]
                & 0xFF;
        num += wy * wx * v;
        den += wy * wx;
      }
    }
    return num / den / 255.0;
  }

  @Test
  void resizeIsTheTwoDimensionalFormulaDownAndUp() {
    ResizedCrop.Window[] windows = {
      new ResizedCrop.Window(0, 0, 96, 128),
      new ResizedCrop.Window(7, 19, 61, 83),
      new ResizedCrop.Window(40, 2, 9, 13)
    };
    int[][] sizes = {{32, 32}, {45, 37}, {20, 96}};
    for (ResizedCrop.Window win : windows) {
      for (int[] size : sizes) {
        float[] got = Resample.resize(photo.planar(), 3, 96, 128, win, size[0], size[1]);
        for (int c = 0; c < 3; c++) {
          for (int y = 0; y < size[0]; y += 3) {
            for (int x = 0; x < size[1]; x += 2) {
              assertThat((double) got[c * size[0] * size[1] + y * size[1] + x])
                  .as("%s to %dx%d at c%d (%d,%d)", win, size[0], size[1], c, y, x)
                  .isCloseTo(slow(photo, win, size[0], size[1], c, y, x), within(1e-6));
            }
          }
        }
      }
    }
  }

  @Test
  void upscalingIsPlainBilinearAsTheCifarPathComputesIt() {
    ResizedCrop.Window win = new ResizedCrop.Window(3, 5, 20, 17);
    float[] cifarPath = new float[3 * 32 * 32];
    ResizedCrop.resize(photo.planar(), 3, 96, 128, win, 32, cifarPath);
    float[] antialiased = Resample.resize(photo.planar(), 3, 96, 128, win, 32, 32);
    for (int i = 0; i < cifarPath.length; i++) {
      assertThat(antialiased[i]).isCloseTo(cifarPath[i], within(2e-6f));
    }
  }

  @Test
  void aDownscaleAveragesEveryPixelItCoversNotJustFour() {
    // a one-pixel-wide stripe pattern: plain bilinear at 4:1 samples only some stripes, the
    // antialiased filter averages them to mid-grey
    int side = 64;
    byte[] stripes = new byte[3 * side * side];
    for (int i = 0; i < stripes.length; i++) {
      stripes[i] = (byte) (((i % side) % 2 == 0) ? 255 : 0);
    }
    float[] out =
        Resample.resize(stripes, 3, side, side, new ResizedCrop.Window(0, 0, side, side), 16, 16);
    for (int x = 1; x < 15; x++) {
      assertThat(out[5 * 16 + x]).isCloseTo(0.5f, within(1e-6f));
    }
  }

  @Test
  void matchesPilWithinOneLevel(@TempDir Path tmp) throws Exception {
    assumeTrue(pilAvailable(), PYTHON + " cannot import PIL (Debian: python3-pil): skipped");
    Path png = tmp.resolve("photo.png");
    ImageIO.write(toBuffered(photo), "png", png.toFile());
    int[][] cases = { // top, left, height, width, outH, outW
      {0, 0, 96, 128, 32, 32},
      {7, 19, 61, 83, 45, 37},
      {10, 30, 50, 50, 24, 24},
      {40, 2, 9, 13, 32, 32}
    };
    for (int[] k : cases) {
      ResizedCrop.Window win = new ResizedCrop.Window(k[0], k[1], k[2], k[3]);
      byte[] pil =
          python(
              tmp,
              "from PIL import Image; import sys\n"
                  + "im = Image.open(sys.argv[1]).convert('RGB')\n"
                  + "im = im.crop((%d, %d, %d, %d)).resize((%d, %d), Image.BILINEAR)\n"
                      .formatted(k[1], k[0], k[1] + k[3], k[0] + k[2], k[5], k[4])
                  + "r, g, b = im.split()\n"
                  + "sys.stdout.buffer.write(r.tobytes() + g.tobytes() + b.tobytes())\n",
              png.toString());
      float[] ours = Resample.resize(photo.planar(), 3, 96, 128, win, k[4], k[5]);
      assertThat(pil).hasSize(ours.length);
      double max = 0;
      double sum = 0;
      for (int i = 0; i < ours.length; i++) {
        double d = Math.abs(ours[i] * 255.0 - (pil[i] & 0xFF));
        max = Math.max(max, d);
        sum += d;
      }
      assertThat(max)
          .as("largest difference from PIL, in levels, for %s", win)
          .isLessThanOrEqualTo(1.0);
      assertThat(sum / ours.length).as("mean difference from PIL").isLessThan(0.35);
    }
  }

  @Test
  void theEvaluationTransformIsPilsResizeShorterSideThenCentreCrop(@TempDir Path tmp)
      throws Exception {
    byte[] square = EvalTransform.toSquare(photo, 40);
    assertThat(square).hasSize(3 * 40 * 40);
    assertThat(EvalTransform.toSquare(SourceImage.cifar(sub(0, 0, 32)), 32))
        .as("a 32x32 image at 32 is itself")
        .isEqualTo(sub(0, 0, 32));
    assumeTrue(pilAvailable(), PYTHON + " cannot import PIL (Debian: python3-pil): skipped");
    Path png = tmp.resolve("photo.png");
    ImageIO.write(toBuffered(photo), "png", png.toFile());
    for (int side : new int[] {40, 64, 96}) {
      // torchvision's Resize(S) on a PIL image: shorter side S, longer int(S * long / short);
      // CenterCrop(S): int(round((h - S) / 2)) from the top, likewise from the left
      byte[] pil =
          python(
              tmp,
              "from PIL import Image; import sys\n"
                  + "S = %d\n".formatted(side)
                  + "im = Image.open(sys.argv[1]).convert('RGB')\n"
                  + "w, h = im.size\n"
                  + "nw, nh = (S, int(S * h / w)) if w <= h else (int(S * w / h), S)\n"
                  + "im = im.resize((nw, nh), Image.BILINEAR)\n"
                  + "t, l = int(round((nh - S) / 2.0)), int(round((nw - S) / 2.0))\n"
                  + "im = im.crop((l, t, l + S, t + S))\n"
                  + "r, g, b = im.split()\n"
                  + "sys.stdout.buffer.write(r.tobytes() + g.tobytes() + b.tobytes())\n",
              png.toString());
      byte[] ours = EvalTransform.toSquare(photo, side);
      int max = 0;
      for (int i = 0; i < ours.length; i++) {
        max = Math.max(max, Math.abs((ours[i] & 0xFF) - (pil[i] & 0xFF)));
      }
      assertThat(max)
          .as("largest difference from PIL at %d, in levels", side)
          .isLessThanOrEqualTo(1);
    }
  }

  private static byte[] sub(int top, int left, int side) {
    byte[] out = new byte[3 * side * side];
    for (int c = 0; c < 3; c++) {
      for (int y = 0; y < side; y++) {
        System.arraycopy(
            photo.planar(),
            c * 96 * 128 + (top + y) * 128 + left,
            out,
            c * side * side + y * side,
            side);
      }
    }
    return out;
  }

  static BufferedImage toBuffered(SourceImage img) {
    int h = img.height();
    int w = img.width();
    BufferedImage out = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
    byte[] p = img.planar();
    for (int y = 0; y < h; y++) {
      for (int x = 0; x < w; x++) {
        int o = y * w + x;
        out.setRGB(
            x, y, (p[o] & 0xFF) << 16 | (p[h * w + o] & 0xFF) << 8 | (p[2 * h * w + o] & 0xFF));
      }
    }
    return out;
  }

  static boolean pilAvailable() {
    try {
      Process p = new ProcessBuilder(PYTHON, "-c", "import PIL").redirectErrorStream(true).start();
      return p.waitFor(60, TimeUnit.SECONDS) && p.exitValue() == 0;
    } catch (IOException e) {
      return false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  private static byte[] python(Path tmp, String script, String arg) throws Exception {
    Path file = Files.createTempFile(tmp, "pil", ".py");
    Files.writeString(file, script, StandardCharsets.UTF_8);
    Process p = new ProcessBuilder(PYTHON, file.toString(), arg).start();
    byte[] out = p.getInputStream().readAllBytes();
    String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).as(err).isZero();
    return out;
  }
}
