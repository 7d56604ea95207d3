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
      assertThat(follower.newerThan(0)).get().extracting(EncoderSnapshot::step).isEqualTo(1L);
    }
  }

  private static void awaitStep(ModelFollower follower, long step) throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    while (follower.newerThan(step - 1).isEmpty() && System.nanoTime() < deadline) {
      Thread.sleep(20);
    }
    assertThat(follower.newerThan(step - 1)).isPresent();
  }
}
