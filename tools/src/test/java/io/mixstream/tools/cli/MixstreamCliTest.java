package io.mixstream.tools.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MixstreamCliTest {
  private final ByteArrayOutputStream out = new ByteArrayOutputStream();
  private final ByteArrayOutputStream err = new ByteArrayOutputStream();
  private PrintStream oldOut;
  private PrintStream oldErr;

  @BeforeEach
  void capture() {
    oldOut = System.out;
    oldErr = System.err;
    System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
    System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
  }

  @AfterEach
  void restore() {
    System.setOut(oldOut);
    System.setErr(oldErr);
  }

  private String stdout() {
    return out.toString(StandardCharsets.UTF_8);
  }

  private String stderr() {
    return err.toString(StandardCharsets.UTF_8);
  }

  @Test
  void everyCommandHasHelp() {
    for (String[] args :
        new String[][] {
          {"--help"},
          {"kafka", "--help"},
          {"replay", "--help"},
          {"bench", "--help"},
          {"bench", "replay", "--help"},
          {"embeddings", "--help"}
        }) {
      assertThat(Mixstream.run(args)).as(String.join(" ", args)).isZero();
    }
    assertThat(stdout())
        .contains("Usage: mixstream replay")
        .contains("--loop")
        .contains("--kafka-property");
  }

  @Test
  void missingDataFailsWithAMessageNotAStackTrace(@TempDir Path tmp) {
    int rc = Mixstream.run("replay", "--data", tmp.resolve("none").toString(), "--timeout", "1");
    assertThat(rc).isEqualTo(1);
    assertThat(stderr()).contains("replay: ").contains("does not exist").doesNotContain("\tat ");
  }

  @Test
  void badOptionsAreUsageErrors() {
    assertThat(Mixstream.run("replay", "--data", "x", "--epochs", "2", "--loop")).isEqualTo(2);
    assertThat(Mixstream.run("replay", "--data", "x", "--split", "validation")).isEqualTo(1);
    assertThat(stderr()).contains("--split must be train or test");
    assertThat(Mixstream.run("replay", "--data", "x", "-X", "novalue")).isEqualTo(1);
    assertThat(stderr()).contains("is not KEY=VALUE");
  }
}
