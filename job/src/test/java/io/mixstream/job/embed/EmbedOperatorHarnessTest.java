package io.mixstream.job.embed;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.Device;
import io.mixstream.augment.EvalTransform;
import io.mixstream.config.EmbedConfig;
import io.mixstream.config.Method;
import io.mixstream.eval.LoadedEncoder;
import io.mixstream.job.ingest.TrainingImage;
import io.mixstream.records.EmbeddingRecord;
import io.mixstream.records.MetricsRecord;
import io.mixstream.snapshot.EncoderSnapshot;
import io.mixstream.snapshot.SnapshotDirectory;
import io.mixstream.train.MocoTrainer;
import io.mixstream.train.TrainerFixtures;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.OneInputStreamOperatorTestHarness;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The embedding operator alone, in Flink's harness: batches, timers, barriers, swaps, restore. */
class EmbedOperatorHarnessTest {
  static final int BATCH = 8;
  static final long TIMEOUT_MS = 50;
  static final long POLL_MS = 20;

  @TempDir Path tmp;

  private EmbedConfig config() {
    EmbedConfig.Builder b = EmbedConfig.defaults(tmp).toBuilder();
    b.snapshotDir = tmp.resolve("snapshots");
    b.modelKey = "m";
    b.batchSize = BATCH;
    b.batchTimeout = Duration.ofMillis(TIMEOUT_MS);
    b.modelPollInterval = Duration.ofMillis(POLL_MS);
    b.metricsInterval = Duration.ofHours(1); // a report at each swap only
    b.device = "cpu";
    b.torchThreads = 1;
    return b.build();
  }

  private static OneInputStreamOperatorTestHarness<TrainingImage, EmbeddingRecord> harness(
      EmbedConfig c) throws Exception {
    return new OneInputStreamOperatorTestHarness<>(new EmbedOperator(c, 1 << 20));
  }

  private static TrainingImage image(int i) {
    return TrainingImage.cifar("m", "img-" + i, i % 10, TrainerFixtures.cifar(i, 1)[0]);
  }

  @SuppressWarnings("unchecked")
  private static List<EmbeddingRecord> embeddings(ConcurrentLinkedQueue<Object> output) {
    List<EmbeddingRecord> out = new ArrayList<>();
    for (Object o : output) {
      if (o instanceof StreamRecord<?> r && r.getValue() instanceof EmbeddingRecord e) {
        out.add(e);
      }
    }
    return out;
  }

  /**
   * The learning core's embedding of images [from, to) by {@code snap}, a batch of them at once.
   */
  private static float[][] expected(EncoderSnapshot snap, int from, int to) {
    byte[][] images = new byte[to - from][];
    for (int i = from; i < to; i++) {
      images[i - from] = EvalTransform.toSquare(image(i).source(), snap.imageSize());
    }
    int padded = (images.length + 7) / 8 * 8; // any multiple of 8 rows gives the same bits
    byte[][] rows = Arrays.copyOf(images, padded);
    for (int i = images.length; i < padded; i++) {
      rows[i] = new byte[images[0].length];
    }
    try (LoadedEncoder e = new LoadedEncoder(snap, Device.cpu())) {
      float[] flat = e.embed(rows);
      int dim = snap.embeddingDim();
      float[][] out = new float[images.length][];
      for (int i = 0; i < images.length; i++) {
        out[i] = Arrays.copyOfRange(flat, i * dim, (i + 1) * dim);
      }
      return out;
    }
  }

  /** The clock after {@link #takeFirstModel} from 1,000: the test's batches start there. */
  static final long T0 = 1_000 + POLL_MS;

  /** Lets the follower read the first snapshot, then moves the clock to the tick that takes it. */
  private static void takeFirstModel(
      OneInputStreamOperatorTestHarness<TrainingImage, EmbeddingRecord> h, long openedAt)
      throws Exception {
    awaitFollowed(h, 0);
    h.setProcessingTime(openedAt + POLL_MS);
  }

  /**
   * Until the operator's follower (a thread of its own, polling the folder) has read the snapshot
   * of {@code step}: a fixed sleep was too short on a loaded machine.
   */
  static void awaitFollowed(
      OneInputStreamOperatorTestHarness<TrainingImage, EmbeddingRecord> h, long step)
      throws InterruptedException {
    EmbedOperator operator = (EmbedOperator) h.getOneInputOperator();
    long deadline = System.nanoTime() + 30_000_000_000L;
    while (operator.followedStep() < step) {
      assertThat(System.nanoTime())
          .as("the follower read step %d within 30 s", step)
          .isLessThan(deadline);
      Thread.sleep(10);
    }
  }

  @Test
  void batchesCloseBySizeByTimeAndAtBarriersAndSwapsWaitForABarrier() throws Exception {
    EmbedConfig c = config();
    SnapshotDirectory dir = new SnapshotDirectory(c.snapshotDir(), "m");
    Files.createDirectories(dir.folder());
    try (MocoTrainer trainer = TrainerFixtures.trainer(TrainerFixtures.tiny(Method.MOCO))) {
      EncoderSnapshot first = trainer.encoderSnapshot();
      Files.write(dir.file(0), first.toSafetensors());
      OperatorSubtaskState checkpoint;
      EncoderSnapshot second;
      try (var h = harness(c)) {
        h.setProcessingTime(1_000);
        h.open();
        takeFirstModel(h, 1_000);
        for (int i = 0; i < BATCH + 3; i++) {
          h.processElement(new StreamRecord<>(image(i), 900));
        }
        assertThat(embeddings(h.getOutput())).as("one full batch, three waiting").hasSize(BATCH);
        h.setProcessingTime(T0 + TIMEOUT_MS - 1);
        assertThat(embeddings(h.getOutput())).hasSize(BATCH);
        h.setProcessingTime(T0 + TIMEOUT_MS);
        assertThat(embeddings(h.getOutput())).as("the batch's time is up").hasSize(BATCH + 3);

        // a newer snapshot waits for the next barrier
        trainer.step(TrainerFixtures.cifar(0, 16));
        second = trainer.encoderSnapshot();
        Files.write(dir.file(1), second.toSafetensors());
        awaitFollowed(h, 1);
        h.processElement(new StreamRecord<>(image(20), 1_100));
        h.processElement(new StreamRecord<>(image(21), 1_100));
        h.prepareSnapshotPreBarrier(1);
        checkpoint = h.snapshot(1, 1_100);
        h.processElement(new StreamRecord<>(image(22), 1_100));
        h.processElement(new StreamRecord<>(image(23), 1_100));
        h.endInput();

        List<EmbeddingRecord> out = embeddings(h.getOutput());
        assertThat(out).extracting(EmbeddingRecord::imageId).hasSize(BATCH + 7);
        assertThat(out.subList(0, BATCH + 5))
            .as("before the barrier: the first model, the barrier's batch included")
            .allMatch(e -> e.step() == 0);
        assertThat(out.subList(BATCH + 5, BATCH + 7)).allMatch(e -> e.step() == 1);
        float[][] byFirst = expected(first, 0, BATCH + 3);
        for (int i = 0; i < BATCH + 3; i++) {
          assertThat(out.get(i).imageId()).isEqualTo("img-" + i);
          assertThat(out.get(i).vector()).as("image %d", i).isEqualTo(byFirst[i]);
        }
        float[][] bySecond = expected(second, 22, 24);
        assertThat(out.get(BATCH + 5).vector()).isEqualTo(bySecond[0]);
        assertThat(out.get(BATCH + 6).vector()).isEqualTo(bySecond[1]);
        List<MetricsRecord.Embed> reports = new ArrayList<>();
        h.getSideOutput(EmbedOperator.METRICS).forEach(r -> reports.add(r.getValue()));
        assertThat(reports).extracting(MetricsRecord.Embed::step).startsWith(0L, 1L);
        MetricsRecord.Embed last = reports.get(reports.size() - 1);
        assertThat(last.images()).isEqualTo(BATCH + 7);
        assertThat(last.swaps()).isEqualTo(2);
      }

      // a third snapshot appears; the restored operator still embeds with the checkpoint's model
      trainer.step(TrainerFixtures.cifar(16, 16));
      Files.write(dir.file(2), trainer.encoderSnapshot().toSafetensors());
      try (var h = harness(c)) {
        h.setProcessingTime(5_000);
        h.initializeState(checkpoint);
        h.open();
        awaitFollowed(h, 2);
        for (int i = 22; i < 24; i++) {
          h.processElement(new StreamRecord<>(image(i), 4_900));
        }
        h.setProcessingTime(5_000 + TIMEOUT_MS);
        List<EmbeddingRecord> out = embeddings(h.getOutput());
        assertThat(out).extracting(EmbeddingRecord::step).containsExactly(1L, 1L);
        assertThat(out.get(0).vector()).isEqualTo(expected(second, 22, 23)[0]);
        h.prepareSnapshotPreBarrier(2);
        h.processElement(new StreamRecord<>(image(24), 5_000));
        h.endInput();
        assertThat(embeddings(h.getOutput()).get(2).step()).isEqualTo(2);
      }
    }
  }

  /**
   * Before the first model, images wait in the checkpoint's state instead of holding the barrier
   * up: the checkpoint completes, and the operator restored from it embeds them with the model that
   * then appears.
   */
  @Test
  @org.junit.jupiter.api.Timeout(60)
  void imagesBeforeTheFirstModelWaitInStateAndCheckpointsGoOn() throws Exception {
    EmbedConfig c = config();
    SnapshotDirectory dir = new SnapshotDirectory(c.snapshotDir(), "m");
    Files.createDirectories(dir.folder());
    OperatorSubtaskState checkpoint;
    try (var h = harness(c)) {
      h.setProcessingTime(1_000);
      h.open();
      for (int i = 0; i < BATCH + 3; i++) { // a full batch too: it waits as well
        h.processElement(new StreamRecord<>(image(i), 900));
      }
      h.setProcessingTime(1_000 + TIMEOUT_MS);
      h.prepareSnapshotPreBarrier(1);
      checkpoint = h.snapshot(1, 1_100);
      assertThat(embeddings(h.getOutput())).isEmpty();
    }
    try (MocoTrainer trainer = TrainerFixtures.trainer(TrainerFixtures.tiny(Method.MOCO))) {
      EncoderSnapshot first = trainer.encoderSnapshot();
      Files.write(dir.file(0), first.toSafetensors());
      try (var h = harness(c)) {
        h.setProcessingTime(2_000);
        h.initializeState(checkpoint);
        h.open();
        // the snapshot there at the start is used at once; the waiting images go a batch a tick
        takeFirstModel(h, 2_000);
        h.setProcessingTime(2_000 + 2 * POLL_MS);
        List<EmbeddingRecord> out = embeddings(h.getOutput());
        assertThat(out).extracting(EmbeddingRecord::imageId).hasSize(BATCH + 3);
        float[][] byFirst = expected(first, 0, BATCH + 3);
        for (int i = 0; i < BATCH + 3; i++) {
          assertThat(out.get(i).imageId()).isEqualTo("img-" + i);
          assertThat(out.get(i).step()).isZero();
          assertThat(out.get(i).vector()).as("image %d", i).isEqualTo(byFirst[i]);
        }
      }
    }
  }
}
