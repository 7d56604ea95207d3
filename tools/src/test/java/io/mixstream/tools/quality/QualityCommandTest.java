package io.mixstream.tools.quality;

import static org.assertj.core.api.Assertions.assertThat;

import io.mixstream.snapshot.EncoderSnapshot;
import io.mixstream.testing.SharedData;
import io.mixstream.tools.cli.Mixstream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class QualityCommandTest {
  @Test
  void aTinyBudgetRunAppendsAResultsRowAndWritesItsSnapshot(@TempDir Path tmp) throws Exception {
    Path results = tmp.resolve("RESULTS.md");
    Path snap = tmp.resolve("final.safetensors");
    for (int run = 0; run < 2; run++) {
      List<String> args =
          new java.util.ArrayList<>(
              List.of(
                  "quality",
                  "--method",
                  "approach1",
                  "--width",
                  "4",
                  "--batch",
                  "16",
                  "--budget",
                  "2s",
                  "--knn-bank",
                  "64",
                  "--knn-test",
                  "32",
                  "--data",
                  SharedData.cifar10().toString(),
                  "--results",
                  results.toString(),
                  "--snapshot",
                  snap.toString(),
                  "--device",
                  "cpu"));
      if (run == 1) {
        args.addAll(List.of("--fixed-lambda", "0.5")); // any training option passes through
      }
      assertThat(Mixstream.run(args.toArray(String[]::new))).isZero();
    }
    List<String> rows =
        Files.readAllLines(results).stream().filter(l -> l.startsWith("| 20")).toList();
    assertThat(rows).hasSize(2); // appended, the header written once
    String[] cells = rows.get(0).split("\\|");
    assertThat(cells[2].trim()).isEqualTo("approach1");
    assertThat(cells[3].trim()).isEqualTo("4");
    long steps = Long.parseLong(cells[6].trim());
    assertThat(steps).isPositive();
    assertThat(cells[7].trim().replace(",", "")).isEqualTo(Long.toString(steps * 16));
    assertThat(cells[8].trim()).matches("\\d+\\.\\d\\d%");
    assertThat(cells[10].trim()).isEqualTo("64 / 32");
    assertThat(Files.readString(results)).containsOnlyOnce("| date | method |");
    assertThat(rows.get(1)).contains("| approach1 --fixed-lambda 0.5 |");
    EncoderSnapshot s = EncoderSnapshot.fromSafetensors(Files.readAllBytes(snap));
    assertThat(s.method()).isEqualTo("approach1");
    assertThat(s.step()).isPositive();
  }
}
