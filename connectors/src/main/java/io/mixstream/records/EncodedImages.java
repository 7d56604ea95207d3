package io.mixstream.records;

import io.mixstream.records.MalformedRecordException.Reason;
import java.awt.image.BufferedImage;
import java.awt.image.ColorModel;
import java.awt.image.ComponentColorModel;
import java.awt.image.Raster;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import javax.imageio.ImageIO;

/** PNG and JPEG payloads to planar bytes, through the JDK's ImageIO. */
public final class EncodedImages {
  private static final byte[] PNG_SIGNATURE = {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'};

  private EncodedImages() {}

  /** Decodes a PNG or JPEG file into planar bytes (grey stays 1 channel, colour becomes RGB). */
  public static DecodedImage decode(PixelEncoding encoding, byte[] file)
      throws MalformedRecordException {
    if (encoding == PixelEncoding.PNG && sniff(file) != PixelEncoding.PNG) {
      throw new MalformedRecordException(
          Reason.UNDECODABLE_IMAGE, "pixels declared PNG do not start with the PNG signature");
    }
    if (encoding == PixelEncoding.JPEG && sniff(file) != PixelEncoding.JPEG) {
      throw new MalformedRecordException(
          Reason.UNDECODABLE_IMAGE, "pixels declared JPEG do not start with the JPEG SOI marker");
    }
    BufferedImage image;
    try {
      image = ImageIO.read(new ByteArrayInputStream(file));
    } catch (IOException | RuntimeException e) {
      throw new MalformedRecordException(
          Reason.UNDECODABLE_IMAGE, "the %s could not be decoded: %s".formatted(encoding, e));
    }
    if (image == null) {
      throw new MalformedRecordException(
          Reason.UNDECODABLE_IMAGE, "no image reader recognised the " + encoding);
    }
    return planar(image);
  }

  /** PNG or JPEG by the file's first bytes (signature, SOI marker), or null for neither. */
  public static PixelEncoding sniff(byte[] file) {
    if (startsWith(file, PNG_SIGNATURE)) {
      return PixelEncoding.PNG;
    }
    if (file.length > 2 && (file[0] & 0xFF) == 0xFF && (file[1] & 0xFF) == 0xD8) {
      return PixelEncoding.JPEG;
    }
    return null;
  }

  /** The record's pixels as planar bytes, decoding PNG or JPEG where needed. */
  public static DecodedImage planar(ImageRecord r) throws MalformedRecordException {
    if (r.encoding() == PixelEncoding.RAW_PLANAR) {
      return new DecodedImage(r.height(), r.width(), r.channels(), r.pixels());
    }
    return decode(r.encoding(), r.pixels());
  }

  /** A decoded image's pixels as planar bytes (grey stays 1 channel, colour becomes RGB). */
  public static DecodedImage planar(BufferedImage image) {
    int h = image.getHeight();
    int w = image.getWidth();
    boolean grey = image.getColorModel().getNumColorComponents() == 1;
    int channels = grey ? 1 : 3;
    byte[] planar = new byte[channels * h * w];
    Raster raster = image.getRaster();
    if (grey) {
      int[] row = new int[w];
      for (int y = 0; y < h; y++) {
        raster.getSamples(0, y, w, 1, 0, row);
        for (int x = 0; x < w; x++) {
          planar[y * w + x] = (byte) row[x];
        }
      }
    } else if (isPlainRgb(image)) {
      // the bands are R, G, B already: a row per band, no colour conversion per pixel (getRGB's
      // per-pixel path took half of a 224 px JPEG's decode), the same bytes getRGB gives
      int[] row = new int[w];
      for (int c = 0; c < 3; c++) {
        for (int y = 0; y < h; y++) {
          raster.getSamples(0, y, w, 1, c, row);
          int o = c * h * w + y * w;
          for (int x = 0; x < w; x++) {
            planar[o + x] = (byte) row[x];
          }
        }
      }
    } else {
      int plane = h * w;
      for (int y = 0; y < h; y++) {
        for (int x = 0; x < w; x++) {
          int rgb = image.getRGB(x, y);
          int i = y * w + x;
          planar[i] = (byte) (rgb >> 16);
          planar[plane + i] = (byte) (rgb >> 8);
          planar[2 * plane + i] = (byte) rgb;
        }
      }
    }
    return new DecodedImage(h, w, channels, planar);
  }

  /** Three 8-bit sRGB bands and no alpha: what ImageIO's JPEG and RGB PNG readers give. */
  private static boolean isPlainRgb(BufferedImage image) {
    ColorModel cm = image.getColorModel();
    return cm instanceof ComponentColorModel
        && cm.getColorSpace().isCS_sRGB()
        && !cm.hasAlpha()
        && cm.getNumComponents() == 3
        && image.getRaster().getNumBands() == 3
        && image.getSampleModel().getSampleSize(0) == 8
        && image.getSampleModel().getSampleSize(1) == 8
        && image.getSampleModel().getSampleSize(2) == 8;
  }

  private static boolean startsWith(byte[] bytes, byte[] prefix) {
    if (bytes.length < prefix.length) {
      return false;
    }
    for (int i = 0; i < prefix.length; i++) {
      if (bytes[i] != prefix[i]) {
        return false;
      }
    }
    return true;
  }
}
