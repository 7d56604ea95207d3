package io.mixstream.snapshot;

import static org.assertj.core.api.Assertions.assertThat;

import io.mixstream.config.EvaluationConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Which snapshots a job without end keeps on disk. */
class SnapshotRetentionTest {
  @Test
  void theNewestNAndEveryMultipleOfMStayTheRestGoes() {
    // snapshots every 100 steps up to 1,500; keep the newest 3 and every multiple of 500
    List<Long> steps = new java.util.ArrayList<>();
    for (long s = 0; s <= 1500; s += 100) {
      steps.add(s);
    }
    java.util.Collections.shuffle(steps, new java.util.Random(1));
    assertThat(new SnapshotRetention(3, 500).toDelete(steps))
        .containsExactly(100L, 200L, 300L, 400L, 600L, 700L, 800L, 900L, 1100L, 1200L);
    assertThat(new SnapshotRetention(3, 0).toDelete(steps)).hasSize(13).doesNotContain(1300L);
    assertThat(new SnapshotRetention(0, 500).toDelete(steps)).as("0 keeps all").isEmpty();
    assertThat(new SnapshotRetention(20, 0).toDelete(steps)).as("fewer than N").isEmpty();
  }

  @Test
  void unboundedJobsKeepTwentyByDefaultBoundedOnesAll() {
    EvaluationConfig d = EvaluationConfig.defaults(Path.of("s"));
    assertThat(d.snapshotsKept(false)).isEqualTo(20);
    assertThat(d.snapshotsKept(true)).isZero();
    assertThat(d.keepSnapshotsEvery()).isEqualTo(10_000);
  }

  @Test
  void theFolderListsItsStepsAndDeletesASnapshotWithItsSidecar(@TempDir Path tmp) throws Exception {
    SnapshotDirectory dir = new SnapshotDirectory(tmp, "m");
    assertThat(dir.steps()).isEmpty();
    Files.createDirectories(dir.folder());
    for (long s : List.of(30L, 10L, 20L)) {
      Files.write(dir.file(s), new byte[] {1});
      Files.writeString(dir.folder().resolve("step-%08d.json".formatted(s)), "{}");
    }
    Files.write(dir.folder().resolve("step-00000040.safetensors.tmp"), new byte[] {1});
    assertThat(dir.steps()).containsExactly(10L, 20L, 30L);
    dir.delete(20);
    assertThat(dir.steps()).containsExactly(10L, 30L);
    assertThat(dir.folder().resolve("step-00000020.json")).doesNotExist();
  }
}
