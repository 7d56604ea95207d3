package io.mixstream.tools.pictures;

import io.mixstream.cifar.Cifar10Dataset;
import io.mixstream.cifar.Cifar10Reader;
import io.mixstream.cifar.CifarSplit;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.imageio.ImageIO;

/** Images named on the command line: a CIFAR-10 id (read from the data folder) or a file. */
public final class Images {
  private static final Pattern CIFAR_ID = Pattern.compile("cifar10-(train|test)-(\\d+)");

  private final Path data;
  private final Map<CifarSplit, Cifar10Dataset> splits = new EnumMap<>(CifarSplit.class);

  Images(Path data) {
    this.data = data;
  }

  /**
   * @throws IOException naming the image that cannot be read
   */
  BufferedImage load(String spec) throws IOException {
    Matcher m = CIFAR_ID.matcher(spec);
    if (m.matches()) {
      CifarSplit split = m.group(1).equals("train") ? CifarSplit.TRAIN : CifarSplit.TEST;
      Cifar10Dataset d = splits.get(split);
      if (d == null) {
        d = Cifar10Reader.read(data, split);
        splits.put(split, d);
      }
      int index = Integer.parseInt(m.group(2));
      if (index >= d.size()) {
        throw new IOException(spec + ": the " + m.group(1) + " split has " + d.size() + " images");
      }
      return fromPlanar(d.pixels(index), Cifar10Dataset.SIDE);
    }
    Path file = Path.of(spec);
    if (!Files.isRegularFile(file)) {
      throw new IOException(
          spec + " is neither a CIFAR-10 id (cifar10-test-00042) nor an image file");
    }
    BufferedImage img = ImageIO.read(file.toFile());
    if (img == null) {
      throw new IOException(spec + ": not an image format Java reads (PNG, JPEG, GIF, BMP)");
    }
    return img;
  }

  public static BufferedImage fromPlanar(byte[] planar, int side) {
    BufferedImage img = new BufferedImage(side, side, BufferedImage.TYPE_INT_RGB);
    int plane = side * side;
    for (int i = 0; i < plane; i++) {
      int r = planar[i] & 0xFF;
      int g = planar[plane + i] & 0xFF;
      int b = planar[2 * plane + i] & 0xFF;
      img.setRGB(i % side, i / side, r << 16 | g << 8 | b);
    }
    return img;
  }

  /** Resized to side×side with bilinear filtering (aspect ratio not kept, as §10's squares). */
  public static BufferedImage square(BufferedImage src, int side) {
    BufferedImage out = new BufferedImage(side, side, BufferedImage.TYPE_INT_RGB);
    Graphics2D g = out.createGraphics();
    g.setRenderingHint(
        RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_BILINEAR);
    g.drawImage(src, 0, 0, side, side, null);
    g.dispose();
    return out;
  }

  static byte[] toPlanar(BufferedImage img) {
    int side = img.getWidth();
    int plane = side * side;
    byte[] out = new byte[3 * plane];
    for (int i = 0; i < plane; i++) {
      int rgb = img.getRGB(i % side, i / side);
      out[i] = (byte) (rgb >> 16);
      out[plane + i] = (byte) (rgb >> 8);
      out[2 * plane + i] = (byte) rgb;
    }
    return out;
  }

  /** A map in [0, 1] through viridis. */
  static BufferedImage viridis(float[] map, int side) {
    BufferedImage out = new BufferedImage(side, side, BufferedImage.TYPE_INT_RGB);
    for (int i = 0; i < map.length; i++) {
      out.setRGB(i % side, i / side, Viridis.rgb(map[i]));
    }
    return out;
  }

  /** Half photo, half map: §10's optional overlay. */
  static BufferedImage overlay(BufferedImage photo, BufferedImage map) {
    int side = photo.getWidth();
    BufferedImage out = new BufferedImage(side, side, BufferedImage.TYPE_INT_RGB);
    for (int y = 0; y < side; y++) {
      for (int x = 0; x < side; x++) {
        int a = photo.getRGB(x, y);
        int b = map.getRGB(x, y);
        int r = (((a >> 16) & 0xFF) + ((b >> 16) & 0xFF)) / 2;
        int g = (((a >> 8) & 0xFF) + ((b >> 8) & 0xFF)) / 2;
        int bl = ((a & 0xFF) + (b & 0xFF)) / 2;
        out.setRGB(x, y, r << 16 | g << 8 | bl);
      }
    }
    return out;
  }
}
