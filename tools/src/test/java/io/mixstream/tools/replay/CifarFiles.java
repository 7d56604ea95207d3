package io.mixstream.tools.replay;

import io.mixstream.cifar.Cifar10Dataset;
import io.mixstream.tools.pictures.Images;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import javax.imageio.ImageIO;

/**
 * Real CIFAR-10 images written as files the way a user's folder looks: PNG and JPEG, upscaled to
 * 40–128 px, some grey, some not square, under class subfolders.
 */
final class CifarFiles {
  static final String[] CLASSES = Cifar10Dataset.CLASS_NAMES.toArray(String[]::new);

  /** One written file: its path under the folder (the record id) and its class. */
  record Written(String id, int label, int height, int width, boolean grey) {}

  private CifarFiles() {}

  /**
   * Writes {@code perClass} images of each class from {@code cifar} (in index order) under {@code
   * dir/<class>/}, and returns what it wrote.
   */
  static List<Written> write(Cifar10Dataset cifar, Path dir, int perClass, long seed)
      throws IOException {
    return write(cifar, 0, dir, perClass, seed);
  }

  /** {@link #write} from image {@code from} of {@code cifar} on. */
  static List<Written> write(Cifar10Dataset cifar, int from, Path dir, int perClass, long seed)
      throws IOException {
    SplittableRandom rng = new SplittableRandom(seed);
    int[] count = new int[CLASSES.length];
    List<Written> out = new ArrayList<>();
    for (int i = from; i < cifar.size() && out.size() < perClass * CLASSES.length; i++) {
      int label = cifar.label(i);
      if (count[label] == perClass) {
        continue;
      }
      int n = count[label]++;
      int h = 40 + rng.nextInt(89);
      int w = rng.nextInt(3) == 0 ? 40 + rng.nextInt(89) : h;
      boolean grey = rng.nextInt(5) == 0;
      boolean png = n % 2 == 0;
      BufferedImage img = upscaled(cifar.pixels(i), h, w, grey);
      Path classDir = Files.createDirectories(dir.resolve(CLASSES[label]));
      String name = "%s-%05d.%s".formatted(CLASSES[label], i, png ? "png" : "jpg");
      ImageIO.write(img, png ? "png" : "jpeg", classDir.resolve(name).toFile());
      out.add(new Written(CLASSES[label] + "/" + name, label, h, w, grey));
    }
    return out;
  }

  private static BufferedImage upscaled(byte[] planar, int h, int w, boolean grey) {
    BufferedImage small = Images.fromPlanar(planar, 32);
    BufferedImage big =
        new BufferedImage(w, h, grey ? BufferedImage.TYPE_BYTE_GRAY : BufferedImage.TYPE_INT_RGB);
    Graphics2D g = big.createGraphics();
    g.setRenderingHint(
        RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_BILINEAR);
    g.drawImage(small, 0, 0, w, h, null);
    g.dispose();
    return big;
  }
}
