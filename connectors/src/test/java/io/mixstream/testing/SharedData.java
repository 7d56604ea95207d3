package io.mixstream.testing;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Assumptions;

/**
 * Where the real CIFAR-10 lies for tests: ../shared/data/cifar10 beside the repository, or {@code
 * -Dmixstream.cifar10=DIR} / {@code MIXSTREAM_CIFAR10}. Without it, a test that needs it is skipped
 * (JUnit lists it as skipped, with this message) and every other test still runs; {@code .ci/run}
 * refuses to start without the data, so CI never skips them.
 */
public final class SharedData {
  private SharedData() {}

  public static Path cifar10() {
    String configured = System.getProperty("mixstream.cifar10", System.getenv("MIXSTREAM_CIFAR10"));
    Path dir = configured != null ? Path.of(configured) : Path.of("../../shared/data/cifar10");
    Assumptions.assumeTrue(
        Files.isRegularFile(dir.resolve("test_batch.bin")),
        () ->
            "skipped: this test reads the real CIFAR-10, not found at "
                + dir.toAbsolutePath()
                + ". Get the binary version (https://www.cs.toronto.edu/~kriz/"
                + "cifar-10-binary.tar.gz), unpack its cifar-10-batches-bin folder as"
                + " ../shared/data/cifar10 beside the repository, or pass -Dmixstream.cifar10=DIR");
    return dir;
  }
}
