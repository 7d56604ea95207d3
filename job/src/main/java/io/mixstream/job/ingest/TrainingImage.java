package io.mixstream.job.ingest;

import io.mixstream.augment.SourceImage;
import io.mixstream.cifar.Cifar10Dataset;
import io.mixstream.records.DecodedImage;
import io.mixstream.records.EncodedImages;
import io.mixstream.records.MalformedRecordException;
import io.mixstream.records.PixelEncoding;

/**
 * A validated image on its way to the trainer (a Flink POJO), kept as it came: raw planar pixels,
 * or the PNG/JPEG file itself, which is smaller than its pixels. The trainer decodes it once per
 * use ({@link #source()}), so the pending batch in keyed state holds no more than the stream sent.
 */
public class TrainingImage {
  /**
   * Which model trains on it, the key of the trainer's keyed state: set by {@code ToEveryModel}.
   */
  public String modelKey;

  public String id;
  public int label;
  public int height;
  public int width;

  /** 1 or 3. */
  public int channels;

  public PixelEncoding encoding;

  /** Planar bytes (channels·height·width) or the whole PNG/JPEG file. */
  public byte[] payload;

  public TrainingImage() {}

  public TrainingImage(
      String modelKey,
      String id,
      int label,
      int height,
      int width,
      int channels,
      PixelEncoding encoding,
      byte[] payload) {
    this.modelKey = modelKey;
    this.id = id;
    this.label = label;
    this.height = height;
    this.width = width;
    this.channels = channels;
    this.encoding = encoding;
    this.payload = payload;
  }

  /** A CIFAR-10 image: 32x32 raw planar RGB. */
  public static TrainingImage cifar(String modelKey, String id, int label, byte[] planar) {
    int side = Cifar10Dataset.SIDE;
    return new TrainingImage(modelKey, id, label, side, side, 3, PixelEncoding.RAW_PLANAR, planar);
  }

  /**
   * The pixels as planar RGB (grey copied to all three channels).
   *
   * @throws IllegalStateException when the payload no longer decodes (it did when it was validated)
   */
  public SourceImage source() {
    DecodedImage d;
    if (encoding == PixelEncoding.RAW_PLANAR) {
      d = new DecodedImage(height, width, channels, payload);
    } else {
      try {
        d = EncodedImages.decode(encoding, payload);
      } catch (MalformedRecordException e) {
        throw new IllegalStateException("image " + id + " decoded before but not now", e);
      }
    }
    return new SourceImage(d.height(), d.width(), d.rgb());
  }
}
