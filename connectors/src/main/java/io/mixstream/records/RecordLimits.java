package io.mixstream.records;

import java.io.Serializable;

/**
 * What a consumer accepts.
 *
 * @param classes labels must be -1 or 0 to classes-1
 * @param maxSide largest accepted height or width
 * @param maxPixelBytes largest accepted pixel payload
 */
public record RecordLimits(int classes, int maxSide, int maxPixelBytes) implements Serializable {
  /** CIFAR-10's ten classes; images up to 4096 pixels a side and 16 MiB of pixels. */
  public static final RecordLimits DEFAULT = new RecordLimits(10, 4096, 16 << 20);

  /** The largest value of a record these limits accept: the header, the longest id, the pixels. */
  public int maxRecordBytes() {
    return ImageRecordCodec.HEADER_BYTES + ImageRecordCodec.MAX_ID_BYTES + maxPixelBytes;
  }

  public RecordLimits {
    if (classes < 1 || classes > Short.MAX_VALUE) {
      throw new IllegalArgumentException("classes must be 1 to 32767, got " + classes);
    }
    if (maxSide < 1 || maxSide > 65535) {
      throw new IllegalArgumentException("maxSide must be 1 to 65535, got " + maxSide);
    }
    if (maxPixelBytes < 1) {
      throw new IllegalArgumentException("maxPixelBytes must be positive, got " + maxPixelBytes);
    }
  }
}
