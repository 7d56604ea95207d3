package io.mixstream.serve;

import static org.assertj.core.api.Assertions.assertThat;

import io.mixstream.config.Method;
import io.mixstream.snapshot.EncoderSnapshot;
import io.mixstream.snapshot.Safetensors;
import io.mixstream.snapshot.SnapshotDirectory;
import io.mixstream.testing.LogLines;
import io.mixstream.train.MocoTrainer;
import io.mixstream.train.TrainerFixtures;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The embedding service's view of a snapshot folder: a snapshot with NaN in it is never used. */
class ModelFollowerTest {
  @Test
  void aNonFiniteSnapshotIsRefusedByNameAndThePreviousOneStaysInUse(@TempDir Path tmp)
      throws Exception {
    EncoderSnapshot good;
    try (MocoTrainer t = TrainerFixtures.trainer(TrainerFixtures.tiny(Method.MOCO))) {
      t.step(TrainerFixtures.cifar(0, 16));
      good = t.encoderSnapshot();
    }
    Map<String, Safetensors.Tensor> poisoned = new LinkedHashMap<>(good.tensors());
    float[] w = poisoned.get("fc.weight").floats().clone();
    w[3] = Float.NaN;
    poisoned.put("fc.weight", Safetensors.Tensor.f32(poisoned.get("fc.weight").shape(), w));
    EncoderSnapshot bad =
        new EncoderSnapshot(
            2,
            good.method(),
            good.width(),
            good.embeddingDim(),
            good.stem(),
            good.imageSize(),
            good.normalization(),
            good.configJson(),
            poisoned);
    assertThat(bad.firstNonFinite()).contains("fc.weight");

    Path file1 = SnapshotDirectory.file(tmp, "m", 1);
    Files.createDirectories(file1.getParent());
    Files.write(file1, good.toSafetensors());
    SnapshotDirectory dir = new SnapshotDirectory(tmp, "m");
    try (var log = new LogLines(ModelFollower.class);
        ModelFollower follower = new ModelFollower(dir, Duration.ofMillis(20))) {
      awaitStep(follower, 1);
      Files.write(SnapshotDirectory.file(tmp, "m", 2), bad.toSafetensors());
      long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
      while (log.containing("not using").isEmpty() && System.nanoTime() < deadline) {
        Thread.sleep(20);
      }
      Thread.sleep(200); // several more polls: it must not read the file again and again
      assertThat(log.containing("not using"))
          .singleElement()
          .asString()
          .contains("step-00000002")
          .contains("fc.weight holds values that are not finite")
          .contains("still serving the model of step 1");
      assertThat(follower.newerThan(0, null))
          .get()
          .extracting(f -> f.snapshot().step())
          .isEqualTo(1L);
    }
  }

  /** {@code s} as the snapshot of {@code step} (the follower reads the step from the file). */
  private static void write(Path tmp, EncoderSnapshot snapshot, long step, String lineage)
      throws Exception {
    EncoderSnapshot s =
        new EncoderSnapshot(
            step,
            snapshot.method(),
            snapshot.width(),
            snapshot.embeddingDim(),
            snapshot.stem(),
            snapshot.imageSize(),
            snapshot.normalization(),
            snapshot.configJson(),
            snapshot.tensors());
    Path file = SnapshotDirectory.file(tmp, "m", step);
    Files.createDirectories(file.getParent());
    Files.writeString(
        file.resolveSibling("step-%08d.json".formatted(step)),
        EncoderSnapshot.sidecarJson(s.metadata(), lineage));
    Files.write(file, s.toSafetensors());
  }

  @Test
  void aNewTrainingRunInTheSameFolderIsFollowedFromItsFirstSnapshotAndSaidOnce(@TempDir Path tmp)
      throws Exception {
    EncoderSnapshot zero;
    EncoderSnapshot sixty;
    try (MocoTrainer t = TrainerFixtures.trainer(TrainerFixtures.tiny(Method.MOCO))) {
      zero = t.encoderSnapshot();
      t.step(TrainerFixtures.cifar(0, 16));
      sixty = t.encoderSnapshot();
    }
    write(tmp, sixty, 60, "run-a");
    SnapshotDirectory dir = new SnapshotDirectory(tmp, "m");
    try (var log = new LogLines(ModelFollower.class);
        ModelFollower follower = new ModelFollower(dir, Duration.ofMillis(20))) {
      awaitStep(follower, 60);
      assertThat(follower.newerThan(60, "run-a")).isEmpty();
      // train --fresh: the old run's files are deleted, the new run writes its step 0, then 3
      Files.delete(SnapshotDirectory.file(tmp, "m", 60));
      write(tmp, zero, 0, "run-b");
      long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
      while (follower.newerThan(60, "run-a").isEmpty() && System.nanoTime() < deadline) {
        Thread.sleep(20);
      }
      ModelFollower.Followed now = follower.newerThan(60, "run-a").orElseThrow();
      assertThat(now.lineage()).isEqualTo("run-b");
      assertThat(now.snapshot().step()).isZero();
      write(tmp, sixty, 3, "run-b");
      awaitStep(follower, 3);
      assertThat(follower.newerThan(3, "run-b")).isEmpty();
      assertThat(follower.lineageSwitches()).isEqualTo(1);
      assertThat(log.containing("a new training run"))
          .singleElement()
          .asString()
          .contains("(lineage run-b): following it from its step 0, after step 60 of the run");
    }
  }

  private static void awaitStep(ModelFollower follower, long step) throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    while (follower.newerThan(step - 1, null).isEmpty() && System.nanoTime() < deadline) {
      Thread.sleep(20);
    }
    assertThat(follower.newerThan(step - 1, null)).isPresent();
  }
}
