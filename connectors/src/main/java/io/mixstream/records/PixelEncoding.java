package io.mixstream.records;

/** How the pixel bytes of an {@link ImageRecord} are stored. The code is the byte on the wire. */
public enum PixelEncoding {
  /** Uncompressed planar bytes, one plane per channel, each plane row by row (CIFAR's layout). */
  RAW_PLANAR(0),
  /** A complete PNG file. */
  PNG(1),
  /** A complete JPEG file (baseline or progressive). */
  JPEG(2);

  private final int code;

  PixelEncoding(int code) {
    this.code = code;
  }

  public int code() {
    return code;
  }

  /** The encoding with this wire code, or null when no encoding has it. */
  static PixelEncoding fromCode(int code) {
    for (PixelEncoding e : values()) {
      if (e.code == code) {
        return e;
      }
    }
    return null;
  }
}
