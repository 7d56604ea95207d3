package io.mixstream.serve;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.Device;
import io.mixstream.config.Method;
import io.mixstream.config.TrainingConfig;
import io.mixstream.eval.LoadedEncoder;
import io.mixstream.snapshot.EncoderSnapshot;
import io.mixstream.snapshot.SnapshotDirectory;
import io.mixstream.train.MocoTrainer;
import io.mixstream.train.TrainerFixtures;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ServingModelTest {
  @TempDir Path tmp;

  /**
   * The service closes batches by size, by time and at each checkpoint, so which images share a
   * batch varies from run to run: an image's vector must not depend on its batch.
   */
  /** BYOL too: its embedding is the pooled backbone, 8·width, from a snapshot without fc. */
  @org.junit.jupiter.params.ParameterizedTest
  @org.junit.jupiter.params.provider.EnumSource(
      value = Method.class,
      names = {"MOCO", "BYOL"})
  void anImagesEmbeddingIsTheSameInAnyBatchAndEqualsTheEncodersBitForBit(Method method) {
    TrainingConfig c = TrainerFixtures.tiny(method);
    byte[][] images = TrainerFixtures.cifar(0, 24);
    try (MocoTrainer trainer = TrainerFixtures.trainer(c);
        ServingModel embedder = new ServingModel("cpu")) {
      trainer.step(TrainerFixtures.cifar(100, c.batchSize()));
      EncoderSnapshot snap = trainer.encoderSnapshot();
      embedder.use(snap);
      float[][] together = embedder.embed(images);
      float[] expected;
      try (LoadedEncoder encoder = new LoadedEncoder(snap, Device.cpu())) {
        expected = encoder.embed(images);
      }
      int dim = c.featureDim();
      assertThat(together[0]).hasSize(method == Method.BYOL ? 32 : 128);
      assertThat(trainer.embed(images)).as("the trainer's own embedding").isEqualTo(expected);
      for (int i = 0; i < images.length; i++) {
        assertThat(together[i]).isEqualTo(Arrays.copyOfRange(expected, i * dim, (i + 1) * dim));
      }
      for (int n = 1; n <= 17; n++) {
        float[][] part = embedder.embed(Arrays.copyOfRange(images, images.length - n, 24));
        for (int i = 0; i < n; i++) {
          assertThat(part[i])
              .as("image %d in a batch of %d and of 24", i, n)
              .isEqualTo(together[images.length - n + i]);
        }
      }
      assertThat(embedder.step()).isEqualTo(1);
    }
  }

  @Test
  void theFollowerReadsEachNewerSnapshotAndIgnoresPartFiles() throws Exception {
    SnapshotDirectory dir = new SnapshotDirectory(tmp, "m");
    try (MocoTrainer trainer = TrainerFixtures.trainer(TrainerFixtures.tiny(Method.MOCO));
        ModelFollower follower = new ModelFollower(dir, Duration.ofMillis(20))) {
      Thread.sleep(100); // no folder yet: nothing, and no failure
      assertThat(follower.newerThan(-1, null)).isEmpty();
      Files.createDirectories(dir.folder());
      Files.write(dir.folder().resolve("step-00000009.safetensors.tmp"), new byte[] {1, 2, 3});
      Files.write(dir.file(0), trainer.encoderSnapshot().toSafetensors());
      assertThat(await(follower, -1).step()).isZero();
      assertThat(follower.newerThan(0, null)).isEmpty();
      trainer.step(TrainerFixtures.cifar(0, 16));
      trainer.step(TrainerFixtures.cifar(16, 16));
      Files.write(dir.file(2), trainer.encoderSnapshot().toSafetensors());
      EncoderSnapshot second = await(follower, 0);
      assertThat(second.step()).isEqualTo(2);
      assertThat(second.tensors().get("fc.weight").floats())
          .isEqualTo(trainer.encoderSnapshot().tensors().get("fc.weight").floats());
    }
  }

  private static EncoderSnapshot await(ModelFollower f, long after) throws InterruptedException {
    for (int i = 0; i < 200; i++) {
      var s = f.newerThan(after, null);
      if (s.isPresent()) {
        return s.get().snapshot();
      }
      Thread.sleep(20);
    }
    throw new AssertionError("no snapshot newer than " + after + " in 4 s");
  }
}
