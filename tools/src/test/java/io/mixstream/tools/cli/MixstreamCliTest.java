package io.mixstream.tools.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.mixstream.testing.SharedData;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

@Tag("integration")
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

  /** --method, --width and --batch come from one mixin; each command keeps its own defaults. */
  @Test
  void everyTrainingCommandSpellsTheModelOptionsAlikeWithItsOwnDefaults() {
    assertThat(Mixstream.run("quality", "--help")).isZero();
    String quality = stdout();
    assertThat(quality)
        .containsPattern(
            "(?s)--batch, --batch-size=N\\s+Images per step;.{0,120}\\(default: 128\\)");
    assertThat(quality)
        .containsPattern("(?s)--width=<width>\\s+Stem width.{0,140}\\(default: 16\\)");
    assertThat(Mixstream.run("bench", "step", "--help")).isZero();
    String step = stdout().substring(quality.length());
    assertThat(step).containsPattern("(?s)--width=<width>\\s+Stem width.{0,140}\\(default: 64\\)");
    assertThat(step)
        .containsPattern(
            "(?s)--method=<method>\\s+Which of the seven methods trains \\(moco,.{0,120}simclr,"
                + " byol\\) \\(default: moco\\)");
    assertThat(Mixstream.run("demo", "--batch", "64,128", "--steps", "1")).isEqualTo(1);
    assertThat(stderr()).contains("--batch-size takes one size here, got 64,128");
  }

  /**
   * The job benchmark at a tiny width: every part runs (bare loop, both jobs, the injected failure)
   * and the recovery run ends with every step done. The rates themselves are not checked: a
   * benchmark's numbers belong in BENCHMARKS.md, not in a test.
   */
  @Test
  void benchJobRunsEveryPartAndRecoversFromTheInjectedFailure() {
    int rc =
        Mixstream.run(
            "bench",
            "job",
            "--data",
            SharedData.cifar10().toString(),
            "--width",
            "4",
            "--batch",
            "32",
            "--images",
            "3200",
            "--rounds",
            "1",
            "--device",
            "cpu");

    assertThat(rc).as(stderr()).isZero();
    Matcher round =
        Pattern.compile("round 1, images/s \\(whole run / second half\\): bare loop ([\\d.]+)")
            .matcher(stdout());
    assertThat(round.find()).as(stdout()).isTrue();
    assertThat(Double.parseDouble(round.group(1))).isPositive();
    Matcher median =
        Pattern.compile("job, checkpoints off / bare loop, whole run: ([\\d.]+)").matcher(stdout());
    assertThat(median.find()).as(stdout()).isTrue();
    assertThat(Double.parseDouble(median.group(1))).isBetween(0.05, 20.0);
    Matcher recovery =
        Pattern.compile(
                "recovery: failure after a checkpoint; training again (-?[\\d.]+) s later .*"
                    + "steps 1\\.\\.100 all done \\(yes\\)")
            .matcher(stdout());
    assertThat(recovery.find()).as(stdout()).isTrue();
    assertThat(Double.parseDouble(recovery.group(1))).isPositive();
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
