package io.mixstream.augment;

import io.mixstream.cifar.Cifar10Dataset;

/**
 * A decoded image at its own resolution: planar RGB bytes (R plane, G plane, B plane), what the
 * views crop from and the evaluation transform resizes.
 *
 * @param height pixel rows
 * @param width pixel columns
 * @param planar 3·height·width bytes
 */
public record SourceImage(int height, int width, byte[] planar) {
  public SourceImage {
    if (height < 1 || width < 1 || planar.length != 3 * height * width) {
      throw new IllegalArgumentException(
          "need 3x%dx%d planar bytes, got %d".formatted(height, width, planar.length));
    }
  }

  /** A CIFAR-10 image: 32x32. */
  public static SourceImage cifar(byte[] planar) {
    return new SourceImage(Cifar10Dataset.SIDE, Cifar10Dataset.SIDE, planar);
  }
}
