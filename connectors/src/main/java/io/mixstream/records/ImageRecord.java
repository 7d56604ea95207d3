package io.mixstream.records;

import java.util.Arrays;
import java.util.Objects;

/**
 * One image on the images topic. The Kafka key is {@link #id()}; the value is {@link
 * ImageRecordCodec#encode(ImageRecord)}.
 *
 * @param id stable identifier of the image, 1 to {@value ImageRecordCodec#MAX_ID_BYTES} UTF-8 bytes
 * @param label class index, or {@link #NO_LABEL} when the image is unlabelled
 * @param height pixel rows
 * @param width pixel columns
 * @param channels 1 (grey) or 3 (RGB)
 * @param encoding how {@code pixels} is stored
 * @param pixels raw planar bytes ({@code channels*height*width} of them) or an encoded file
 */
public record ImageRecord(
    String id,
    int label,
    int height,
    int width,
    int channels,
    PixelEncoding encoding,
    byte[] pixels) {

  /** The label of an image that has none. */
  public static final int NO_LABEL = -1;

  public ImageRecord {
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(encoding, "encoding");
    Objects.requireNonNull(pixels, "pixels");
  }

  /** A CIFAR-style record: raw planar RGB bytes. */
  public static ImageRecord rawRgb(String id, int label, int height, int width, byte[] planar) {
    return new ImageRecord(id, label, height, width, 3, PixelEncoding.RAW_PLANAR, planar);
  }

  /** The same image under another id (a burst's frame: {@code ID#k}). */
  public ImageRecord withId(String newId) {
    return new ImageRecord(newId, label, height, width, channels, encoding, pixels);
  }

  public boolean hasLabel() {
    return label != NO_LABEL;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof ImageRecord r
        && id.equals(r.id)
        && label == r.label
        && height == r.height
        && width == r.width
        && channels == r.channels
        && encoding == r.encoding
        && Arrays.equals(pixels, r.pixels);
  }

  @Override
  public int hashCode() {
    return Objects.hash(id, label, height, width, channels, encoding, Arrays.hashCode(pixels));
  }

  @Override
  public String toString() {
    return "ImageRecord[id=%s, label=%d, %dx%dx%d, %s, %d bytes]"
        .formatted(id, label, height, width, channels, encoding, pixels.length);
  }
}
