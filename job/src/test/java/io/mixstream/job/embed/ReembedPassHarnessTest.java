package io.mixstream.job.embed;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.Device;
import io.mixstream.augment.EvalTransform;
import io.mixstream.cifar.Cifar10Dataset;
import io.mixstream.cifar.Cifar10Reader;
import io.mixstream.cifar.CifarSplit;
import io.mixstream.config.EmbedConfig;
import io.mixstream.config.Method;
import io.mixstream.eval.LoadedEncoder;
import io.mixstream.job.ingest.TrainingImage;
import io.mixstream.kafka.LocalKafkaBroker;
import io.mixstream.records.EmbeddingRecord;
import io.mixstream.records.ImageRecordCodec;
import io.mixstream.snapshot.EncoderSnapshot;
import io.mixstream.snapshot.SnapshotDirectory;
import io.mixstream.testing.SharedData;
import io.mixstream.train.MocoTrainer;
import io.mixstream.train.TrainerFixtures;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.OneInputStreamOperatorTestHarness;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The re-embedding of a reference topic, a batch at a time: live images and a checkpoint get in
 * between its batches, a newer model waits for its end, and an operator restored from a checkpoint
 * taken half-way goes on where it was (a real broker, the operator in Flink's harness).
 */
@Tag("integration")
class ReembedPassHarnessTest {
  static final int BATCH = 8;
  static final int REFERENCE = 40;

  @TempDir Path tmp;

  /** The reference embeddings out so far (the harness has no side output before the first). */
  private static List<EmbeddingRecord> reference(
      OneInputStreamOperatorTestHarness<TrainingImage, EmbeddingRecord> h) {
    ConcurrentLinkedQueue<StreamRecord<EmbeddingRecord>> q =
        h.getSideOutput(EmbedOperator.REFERENCE);
    return q == null ? List.of() : q.stream().map(StreamRecord::getValue).toList();
  }

  /** Test image i as the decoder makes it. */
  private static TrainingImage image(Cifar10Dataset test, int i) {
    return TrainingImage.cifar("m", test.id(i), test.label(i), test.pixels(i));
  }

  @SuppressWarnings("unchecked")
  private static List<EmbeddingRecord> live(ConcurrentLinkedQueue<Object> output) {
    List<EmbeddingRecord> out = new ArrayList<>();
    for (Object o : output) {
      if (o instanceof StreamRecord<?> r && r.getValue() instanceof EmbeddingRecord e) {
        out.add(e);
      }
    }
    return out;
  }

  /** Advances the harness's clock a millisecond at a time until {@code done} holds. */
  private static void advanceUntil(
      OneInputStreamOperatorTestHarness<TrainingImage, EmbeddingRecord> h,
      java.util.function.BooleanSupplier done)
      throws Exception {
    long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    while (!done.getAsBoolean()) {
      assertThat(System.nanoTime()).as("the pass goes on").isLessThan(deadline);
      h.setProcessingTime(h.getProcessingTime() + 1);
    }
  }

  @Test
  void aPassGoesABatchAtATimeAndACheckpointHalfWayResumesIt() throws Exception {
    Cifar10Dataset test = Cifar10Reader.read(SharedData.cifar10(), CifarSplit.TEST);
    try (LocalKafkaBroker broker = LocalKafkaBroker.start(tmp.resolve("kafka"), 0);
        MocoTrainer trainer = TrainerFixtures.trainer(TrainerFixtures.tiny(Method.MOCO))) {
      ImageRecordCodec codec = ImageRecordCodec.withDefaults();
      try (var p =
          new KafkaProducer<>(
              Map.<String, Object>of(
                  ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers()),
              new ByteArraySerializer(),
              new ByteArraySerializer())) {
        for (int i = 0; i < REFERENCE; i++) {
          p.send(
                  new ProducerRecord<>(
                      "ref",
                      test.id(i).getBytes(StandardCharsets.UTF_8),
                      codec.encode(test.record(i))))
              .get();
        }
      }
      EmbedConfig.Builder b = EmbedConfig.defaults(tmp).toBuilder();
      b.snapshotDir = tmp.resolve("snapshots");
      b.modelKey = "m";
      b.batchSize = BATCH;
      b.batchTimeout = Duration.ofMillis(50);
      b.modelPollInterval = Duration.ofMillis(20);
      b.metricsInterval = Duration.ofHours(1);
      b.device = "cpu";
      b.torchThreads = 1;
      b.bootstrapServers = broker.bootstrapServers();
      b.reembedTopic = "ref";
      EmbedConfig c = b.build();
      SnapshotDirectory dir = new SnapshotDirectory(c.snapshotDir(), "m");
      Files.createDirectories(dir.folder());
      EncoderSnapshot first = trainer.encoderSnapshot();
      Files.write(dir.file(0), first.toSafetensors());

      List<EmbeddingRecord> reference = new ArrayList<>();
      OperatorSubtaskState checkpoint;
      try (var h = new OneInputStreamOperatorTestHarness<>(new EmbedOperator(c, 1 << 20))) {
        h.setProcessingTime(1_000);
        h.open();
        advanceUntil(h, () -> !reference(h).isEmpty());
        assertThat(reference(h)).as("one batch, not the whole topic").hasSize(BATCH);
        // a live image and a checkpoint between two of the pass's batches; a newer model waits
        h.processElement(new StreamRecord<>(image(test, 100), 1_000));
        trainer.step(TrainerFixtures.cifar(0, 16));
        Files.write(dir.file(1), trainer.encoderSnapshot().toSafetensors());
        EmbedOperatorHarnessTest.awaitFollowed(h, 1);
        h.setProcessingTime(h.getProcessingTime() + 1);
        h.prepareSnapshotPreBarrier(1);
        checkpoint = h.snapshot(1, h.getProcessingTime());
        reference.addAll(reference(h));
        assertThat(reference.size()).isBetween(BATCH, REFERENCE - BATCH);
        assertThat(live(h.getOutput()))
            .as("the live image went out half-way through the pass, by the pass's model")
            .extracting(EmbeddingRecord::imageId, EmbeddingRecord::step)
            .containsExactly(org.assertj.core.groups.Tuple.tuple(test.id(100), 0L));
      }

      try (var h = new OneInputStreamOperatorTestHarness<>(new EmbedOperator(c, 1 << 20))) {
        h.setProcessingTime(5_000);
        h.initializeState(checkpoint);
        h.open();
        int before = reference.size();
        advanceUntil(h, () -> before + reference(h).size() >= REFERENCE);
        reference.addAll(reference(h));
        // the pass is done: the next barrier takes the newer model, and starts its own pass
        h.prepareSnapshotPreBarrier(2);
        h.processElement(new StreamRecord<>(image(test, 101), 5_000));
        h.endInput();
        assertThat(live(h.getOutput())).extracting(EmbeddingRecord::step).containsExactly(1L);
        List<EmbeddingRecord> all = reference(h);
        assertThat(all.subList(REFERENCE - before, all.size()))
            .as("the second model's whole set")
            .hasSize(REFERENCE)
            .allMatch(e -> e.step() == 1);
      }

      assertThat(reference)
          .as("every reference image once, by the pass's model")
          .hasSize(REFERENCE);
      assertThat(reference).allMatch(e -> e.step() == 0);
      byte[][] squares = new byte[REFERENCE][];
      for (int i = 0; i < REFERENCE; i++) {
        squares[i] = EvalTransform.toSquare(image(test, i).source(), first.imageSize());
      }
      try (LoadedEncoder e = new LoadedEncoder(first, Device.cpu())) {
        float[] flat = e.embed(squares);
        int dim = first.embeddingDim();
        for (int i = 0; i < REFERENCE; i++) {
          assertThat(reference.get(i).imageId()).isEqualTo(test.id(i));
          assertThat(reference.get(i).vector())
              .as("reference image %d", i)
              .isEqualTo(Arrays.copyOfRange(flat, i * dim, (i + 1) * dim));
        }
      }
    }
  }
}
