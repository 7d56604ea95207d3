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
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** README's first command, end to end: broker, replay, the Flink job, a few steps, clean stop. */
class DemoCommandTest {
  @Test
  void demoTrainsOnTheStreamAndStopsCleanly(@TempDir Path work) throws Exception {
    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }
    ByteArrayOutputStream captured = new ByteArrayOutputStream();
    PrintStream old = System.out;
    System.setOut(new PrintStream(captured, true, StandardCharsets.UTF_8));
    int rc;
    try {
      rc =
          Mixstream.run(
              "demo",
              "--data",
              SharedData.cifar10().toString(),
              "--work-dir",
              work.toString(),
              "--width",
              "4",
              "--batch",
              "32",
              "--steps",
              "20",
              "--eval-every",
              "5",
              "--knn-bank",
              "64",
              "--knn-test",
              "32",
              "--rest-port",
              String.valueOf(port));
    } finally {
      System.setOut(old);
    }
    String out = captured.toString(StandardCharsets.UTF_8);
    assertThat(rc).as(out).isZero();
    assertThat(out)
        .contains("Flink dashboard http://127.0.0.1:" + port)
        .contains("default step 10 (epoch 1)")
        .contains("kNN top-1 at step 0: ")
        .contains("(bank 64, test 32; the random-init floor)")
        .contains("snapshots in " + work.resolve("snapshots"))
        .containsPattern("stopped after 2\\d steps"); // one more may finish before the cancel
    assertThat(work.resolve("snapshots/default/step-00000000.safetensors")).exists();
    try (var files = Files.list(work.resolve("checkpoints"))) {
      assertThat(files.count()).as("a checkpoint folder per job").isPositive();
    }
  }
}
