package io.mixstream.records;

/**
 * Pixels as planar bytes: channel planes one after another, each row by row.
 *
 * @param height rows
 * @param width columns
 * @param channels 1 or 3
 * @param planar {@code channels*height*width} bytes
 */
public record DecodedImage(int height, int width, int channels, byte[] planar) {
  /** The pixels as three planes, R, G, B: grey copied to all three, colour as it is. */
  public byte[] rgb() {
    if (channels == 3) {
      return planar;
    }
    int plane = height * width;
    byte[] out = new byte[3 * plane];
    for (int c = 0; c < 3; c++) {
      System.arraycopy(planar, 0, out, c * plane, plane);
    }
    return out;
  }
}
