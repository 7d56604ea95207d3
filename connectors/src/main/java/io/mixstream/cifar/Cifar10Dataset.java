package io.mixstream.cifar;

import io.mixstream.records.ImageRecord;
import java.util.Arrays;

/**
 * One split of CIFAR-10 in memory, in the official record order: labels and 32x32 planar RGB pixels
 * (1024 R, 1024 G, 1024 B bytes per image).
 */
public final class Cifar10Dataset {
  public static final int SIDE = 32;
  public static final int IMAGE_BYTES = 3 * SIDE * SIDE;
  public static final int RECORD_BYTES = 1 + IMAGE_BYTES;
  public static final int CLASSES = 10;

  /** The classes' names, by label (batches.meta.txt's order). */
  public static final java.util.List<String> CLASS_NAMES =
      java.util.List.of(
          "airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck");

  private final CifarSplit split;
  private final byte[] labels;
  private final byte[] pixels;

  Cifar10Dataset(CifarSplit split, byte[] labels, byte[] pixels) {
    if (pixels.length != labels.length * IMAGE_BYTES) {
      throw new IllegalArgumentException("pixels do not match the number of labels");
    }
    this.split = split;
    this.labels = labels;
    this.pixels = pixels;
  }

  public CifarSplit split() {
    return split;
  }

  public int size() {
    return labels.length;
  }

  public int label(int index) {
    return labels[index];
  }

  /** A copy of image {@code index}'s planar RGB bytes. */
  public byte[] pixels(int index) {
    int from = index * IMAGE_BYTES;
    return Arrays.copyOfRange(pixels, from, from + IMAGE_BYTES);
  }

  /** The stable id of image {@code index}, for example {@code cifar10-train-00042}. */
  public String id(int index) {
    return "cifar10-%s-%05d".formatted(split.label(), index);
  }

  /** Image {@code index} as a raw-pixel image record keyed by {@link #id(int)}. */
  public ImageRecord record(int index) {
    return ImageRecord.rawRgb(id(index), label(index), SIDE, SIDE, pixels(index));
  }
}
