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
              "10",
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
        .containsPattern(
            "stopped after 1\\d steps"); // the job may finish one more before the cancel
    try (var files = Files.list(work.resolve("checkpoints"))) {
      assertThat(files.count()).as("a checkpoint folder per job").isPositive();
    }
  }
}
