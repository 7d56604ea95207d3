package io.mixstream.testing;

import java.nio.file.Files;
import java.nio.file.Path;

/** Where the real CIFAR-10 lies for tests: ../shared/data/cifar10 beside the repository. */
public final class SharedData {
  private SharedData() {}

  public static Path cifar10() {
    String configured = System.getProperty("mixstream.cifar10", System.getenv("MIXSTREAM_CIFAR10"));
    Path dir = configured != null ? Path.of(configured) : Path.of("../../shared/data/cifar10");
    if (!Files.isRegularFile(dir.resolve("test_batch.bin"))) {
      throw new IllegalStateException(
          "CIFAR-10 not found at "
              + dir.toAbsolutePath()
              + "; the tests need ../shared/data/cifar10 beside the repository"
              + " (or -Dmixstream.cifar10=DIR)");
    }
    return dir;
  }
}
