package io.mixstream.cifar;

import java.util.List;

/** The two parts of CIFAR-10 and the batch files that hold them, in the official order. */
public enum CifarSplit {
  TRAIN(
      List.of(
          "data_batch_1.bin",
          "data_batch_2.bin",
          "data_batch_3.bin",
          "data_batch_4.bin",
          "data_batch_5.bin")),
  TEST(List.of("test_batch.bin"));

  private final List<String> files;

  CifarSplit(List<String> files) {
    this.files = files;
  }

  public List<String> files() {
    return files;
  }

  /** Lower-case name, as used in image ids and on the command line. */
  public String label() {
    return name().toLowerCase(java.util.Locale.ROOT);
  }
}
