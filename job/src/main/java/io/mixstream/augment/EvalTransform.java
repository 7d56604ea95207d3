package io.mixstream.augment;

/**
 * The evaluation, memory-bank and test images' preprocessing at side S, torchvision's {@code
 * Resize(S)} then {@code CenterCrop(S)} on a PIL image: the shorter side is resized to S and the
 * longer to floor(S·long/short) with {@link Resample}'s antialiased bilinear filter, rounded to 8
 * bits as PIL's resize is, then the centre S×S is cut (top = round((h − S)/2) with Python's
 * round-half-to-even, left likewise). On an S×S image it is the identity.
 */
public final class EvalTransform {
  private EvalTransform() {}

  /** S×S planar RGB bytes of {@code image}. */
  public static byte[] toSquare(SourceImage image, int side) {
    int h = image.height();
    int w = image.width();
    if (h == side && w == side) {
      return image.planar();
    }
    int newH;
    int newW;
    if (w <= h) {
      newW = side;
      newH = (int) ((long) side * h / w);
    } else {
      newH = side;
      newW = (int) ((long) side * w / h);
    }
    float[] resized =
        Resample.resize(image.planar(), 3, h, w, new ResizedCrop.Window(0, 0, h, w), newH, newW);
    int top = (int) Math.rint((newH - side) / 2.0);
    int left = (int) Math.rint((newW - side) / 2.0);
    byte[] out = new byte[3 * side * side];
    for (int c = 0; c < 3; c++) {
      for (int y = 0; y < side; y++) {
        for (int x = 0; x < side; x++) {
          float v = resized[c * newH * newW + (top + y) * newW + left + x];
          out[c * side * side + y * side + x] = (byte) Math.round(Math.min(255f, v * 255f));
        }
      }
    }
    return out;
  }
}
