package io.mixstream.tools.demo;

import static org.assertj.core.api.Assertions.assertThat;

import io.mixstream.testing.SharedData;
import io.mixstream.tools.cli.Mixstream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * README's first command, end to end: broker, replay, the Flink job, a few steps, a clean stop with
 * a savepoint, and the next run in the same work dir resuming the model.
 */
@Tag("integration")
class DemoCommandTest {
  /** What one run printed. */
  private record Run(int rc, String out, String err) {}

  @Test
  void demoTrainsStopsCleanlyAndTheNextRunResumes(@TempDir Path work) throws Exception {
    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }

    Run first = demo(work, port, "--width", "4", "--steps", "20");
    assertThat(first.rc).as(first.out + first.err).isZero();
    assertThat(first.out)
        .contains("Flink dashboard http://127.0.0.1:" + port)
        .contains("default step 10 (epoch 1)")
        .contains("kNN top-1 at step 0: ")
        .contains("(bank 64, test 32; the random-init floor)")
        .contains("snapshots in " + work.resolve("snapshots"))
        .contains("(the next run resumes from it)")
        .doesNotContain("resuming the model")
        .containsPattern("stopped after 2\\d steps"); // one more may finish before the stop
    assertThat(work.resolve("snapshots/default/step-00000000.safetensors")).exists();
    try (var files = Files.list(work.resolve("savepoints"))) {
      assertThat(files.count()).as("the savepoint of the stop").isEqualTo(1);
    }

    Run second = demo(work, port, "--width", "4", "--steps", "30");
    assertThat(second.rc).as(second.out + second.err).isZero();
    assertThat(second.out)
        .contains("resuming the model from " + work.resolve("savepoints"))
        .contains("default step 30 (epoch 1)")
        .doesNotContain("default step 1 (epoch 1)")
        .doesNotContain("default step 10 (epoch 1)")
        .containsPattern("stopped after 3\\d steps");
    try (var files = Files.list(work.resolve("savepoints"))) {
      assertThat(files.count()).as("only the newest savepoint is kept").isEqualTo(1);
    }
    try (var files = Files.list(work.resolve("checkpoints"))) {
      assertThat(files.map(f -> f.getFileName().toString()))
          .as("checkpoints superseded by the savepoint; the run's lock file stays")
          .containsExactly(".mixstream.lock");
    }

    Run otherWidth = demo(work, port, "--width", "8", "--steps", "10");
    assertThat(otherWidth.rc).isEqualTo(1);
    assertThat(otherWidth.err).contains("width 4 (asked: 8)").contains("--fresh");

    Run fresh = demo(work, port, "--width", "8", "--steps", "10", "--fresh");
    assertThat(fresh.rc).as(fresh.out + fresh.err).isZero();
    assertThat(fresh.out).contains("default step 1 (epoch 1)").doesNotContain("resuming the model");
  }

  private static Run demo(Path work, int port, String... options) {
    List<String> args =
        new ArrayList<>(
            List.of(
                "demo",
                "--data",
                SharedData.cifar10().toString(),
                "--work-dir",
                work.toString(),
                "--batch",
                "32",
                "--eval-every",
                "5",
                "--knn-bank",
                "64",
                "--knn-test",
                "32",
                "--rest-port",
                String.valueOf(port)));
    args.addAll(List.of(options));
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    PrintStream oldOut = System.out;
    PrintStream oldErr = System.err;
    System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
    System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
    try {
      int rc = Mixstream.run(args.toArray(String[]::new));
      return new Run(
          rc, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    } finally {
      System.setOut(oldOut);
      System.setErr(oldErr);
    }
  }
}
