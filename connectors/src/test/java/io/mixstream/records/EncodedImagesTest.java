package io.mixstream.records;

import static org.assertj.core.api.Assertions.assertThat;

import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.util.Random;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;

/** Decoded pixels are what ImageIO's image says they are, pixel by pixel, through getRGB. */
class EncodedImagesTest {
  private static byte[] file(BufferedImage img, String format) throws Exception {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    assertThat(ImageIO.write(img, format, out)).isTrue();
    return out.toByteArray();
  }

  private static BufferedImage picture(int type, int w, int h) {
    BufferedImage img = new BufferedImage(w, h, type);
    Random r = new Random(4);
    for (int y = 0; y < h; y++) {
      for (int x = 0; x < w; x++) {
        img.setRGB(x, y, ((x * 7) << 16 | (y * 5) << 8 | r.nextInt(256)) & 0xFFFFFF);
      }
    }
    return img;
  }

  /** The slow, obvious planar form: getRGB for colour, the one band for grey. */
  private static byte[] slowPlanar(BufferedImage img, int channels) {
    int w = img.getWidth();
    int h = img.getHeight();
    byte[] out = new byte[channels * w * h];
    for (int y = 0; y < h; y++) {
      for (int x = 0; x < w; x++) {
        int i = y * w + x;
        if (channels == 1) {
          out[i] = (byte) img.getRaster().getSample(x, y, 0);
        } else {
          int rgb = img.getRGB(x, y);
          out[i] = (byte) (rgb >> 16);
          out[w * h + i] = (byte) (rgb >> 8);
          out[2 * w * h + i] = (byte) rgb;
        }
      }
    }
    return out;
  }

  @Test
  void jpegAndPngDecodeToThePixelsGetRgbGives() throws Exception {
    Object[][] cases = {
      {BufferedImage.TYPE_INT_RGB, "jpeg", PixelEncoding.JPEG, 3},
      {BufferedImage.TYPE_INT_RGB, "png", PixelEncoding.PNG, 3},
      {BufferedImage.TYPE_BYTE_GRAY, "jpeg", PixelEncoding.JPEG, 1},
      {BufferedImage.TYPE_BYTE_GRAY, "png", PixelEncoding.PNG, 1},
      {BufferedImage.TYPE_INT_ARGB, "png", PixelEncoding.PNG, 3} // alpha: the getRGB path
    };
    for (Object[] c : cases) {
      byte[] bytes = file(picture((int) c[0], 37, 23), (String) c[1]);
      DecodedImage d = EncodedImages.decode((PixelEncoding) c[2], bytes);
      BufferedImage reference = ImageIO.read(new ByteArrayInputStream(bytes));
      assertThat(d.channels()).as("%s %s", c[0], c[1]).isEqualTo(c[3]);
      assertThat(d.height()).isEqualTo(23);
      assertThat(d.width()).isEqualTo(37);
      assertThat(d.planar())
          .as("type %s as %s", c[0], c[1])
          .isEqualTo(slowPlanar(reference, (int) c[3]));
    }
  }
}
