package io.mixstream.job.embed;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.Device;
import io.mixstream.augment.EvalTransform;
import io.mixstream.cifar.Cifar10Dataset;
import io.mixstream.cifar.Cifar10Reader;
import io.mixstream.cifar.CifarSplit;
import io.mixstream.config.EmbedConfig;
import io.mixstream.config.EvaluationConfig;
import io.mixstream.config.JobConfig;
import io.mixstream.config.Method;
import io.mixstream.config.TrainingConfig;
import io.mixstream.eval.LoadedEncoder;
import io.mixstream.job.MixstreamJob;
import io.mixstream.job.faults.FailOnceAfterCheckpoint;
import io.mixstream.kafka.KafkaPreflight;
import io.mixstream.kafka.KafkaRecordSizes;
import io.mixstream.kafka.LocalKafkaBroker;
import io.mixstream.records.EmbeddingCodec;
import io.mixstream.records.EmbeddingRecord;
import io.mixstream.records.ImageRecordCodec;
import io.mixstream.records.MetricsCodec;
import io.mixstream.records.MetricsRecord;
import io.mixstream.snapshot.EncoderSnapshot;
import io.mixstream.snapshot.SnapshotDirectory;
import io.mixstream.testing.SharedData;
import io.mixstream.testing.TopicRecords;
import io.mixstream.train.MocoTrainer;
import io.mixstream.train.TrainerFixtures;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.stream.Collectors;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The embedding service as a real Flink job on a real broker: beside a live trainer, across a swap,
 * across an injected failure, and with malformed input.
 */
@Tag("integration")
class EmbeddingServiceJobTest {
  static final Duration WAIT = Duration.ofSeconds(90);

  @TempDir static Path tmp;
  static LocalKafkaBroker broker;
  static Cifar10Dataset test;

  @BeforeAll
  static void start() throws Exception {
    broker = LocalKafkaBroker.start(tmp.resolve("kafka"), 0);
    test = Cifar10Reader.read(SharedData.cifar10(), CifarSplit.TEST);
  }

  @AfterAll
  static void stop() {
    broker.close();
  }

  private static EmbedConfig service(String name, Path snapshots) {
    EmbedConfig.Builder b = EmbedConfig.defaults(tmp.resolve(name)).toBuilder();
    b.bootstrapServers = broker.bootstrapServers();
    b.inputTopic = name + "-in";
    b.outputTopic = name + "-out";
    b.deadLetterTopic = name + "-dead";
    b.metricsTopic = name + "-metrics";
    b.groupId = "embed-" + name;
    b.snapshotDir = snapshots;
    b.batchSize = 8;
    b.batchTimeout = Duration.ofMillis(50);
    b.modelPollInterval = Duration.ofMillis(50);
    b.metricsInterval = Duration.ofSeconds(1);
    b.checkpointInterval = Duration.ofMillis(300);
    b.device = "cpu";
    b.torchThreads = 1;
    return b.build();
  }

  private static KafkaProducer<byte[], byte[]> producer() {
    return new KafkaProducer<>(
        Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers()),
        new ByteArraySerializer(),
        new ByteArraySerializer());
  }

  /** Test images [from, to) to {@code topic}, keyed by id. */
  private static void produce(String topic, int from, int to) throws Exception {
    produce(topic, from, to, List.of());
  }

  /**
   * ... with a malformed record (a truncated image, key bad-N) before each image N of {@code bad}.
   */
  private static void produce(String topic, int from, int to, List<Integer> bad) throws Exception {
    ImageRecordCodec codec = ImageRecordCodec.withDefaults();
    try (KafkaProducer<byte[], byte[]> p = producer()) {
      for (int i = from; i < to; i++) {
        if (bad.contains(i)) {
          byte[] good = codec.encode(test.record(i));
          p.send(
                  new ProducerRecord<>(
                      topic,
                      ("bad-" + i).getBytes(StandardCharsets.UTF_8),
                      Arrays.copyOf(good, good.length - 7)))
              .get();
        }
        p.send(
                new ProducerRecord<>(
                    topic,
                    test.id(i).getBytes(StandardCharsets.UTF_8),
                    codec.encode(test.record(i))))
            .get();
      }
    }
  }

  private static List<EmbeddingRecord> embeddings(String topic, int expected) {
    return TopicRecords.read(broker.bootstrapServers(), topic, expected, WAIT, true).stream()
        .map(r -> EmbeddingCodec.decode(r.value()))
        .toList();
  }

  /** What the learning core computes for test images [from, to) with the snapshot of a step. */
  private static Map<String, float[]> expected(SnapshotDirectory dir, long step, int from, int to)
      throws Exception {
    EncoderSnapshot snap = dir.read(step);
    assertThat((to - from) % 8).as("a multiple of 8 rows (ServingModel.ROWS)").isZero();
    byte[][] images = new byte[to - from][];
    for (int i = from; i < to; i++) {
      images[i - from] =
          EvalTransform.toSquare(
              io.mixstream.job.ingest.TrainingImage.cifar("m", test.id(i), 0, test.pixels(i))
                  .source(),
              snap.imageSize());
    }
    Map<String, float[]> out = new HashMap<>();
    try (LoadedEncoder e = new LoadedEncoder(snap, Device.cpu())) {
      float[] flat = e.embed(images);
      int dim = snap.embeddingDim();
      for (int i = from; i < to; i++) {
        out.put(test.id(i), Arrays.copyOfRange(flat, (i - from) * dim, (i - from + 1) * dim));
      }
    }
    return out;
  }

  private static void assertVectors(List<EmbeddingRecord> got, Map<String, float[]> expected) {
    assertThat(got).extracting(EmbeddingRecord::imageId).hasSameElementsAs(expected.keySet());
    for (EmbeddingRecord r : got) {
      assertThat(r.vector())
          .as("the vector of %s at step %d", r.imageId(), r.step())
          .isEqualTo(expected.get(r.imageId()));
    }
  }

  @Test
  void followsALiveTrainerAcrossASwapAndEveryVectorIsTheLearningCoresOwn() throws Exception {
    Path snapshots = tmp.resolve("live-snapshots");
    TrainingConfig.Builder t = TrainingConfig.defaults().toBuilder();
    t.method = Method.MOCO;
    t.width = 4;
    t.batchSize = 32;
    t.queueSize = 128;
    t.seed = 3;
    JobConfig.Builder j = JobConfig.defaults(t.build(), tmp.resolve("trainer-ckpt")).toBuilder();
    j.bootstrapServers = broker.bootstrapServers();
    j.imagesTopic = "live-train";
    j.deadLetterTopic = "live-train-dead";
    j.device = "cpu";
    j.torchThreads = 1;
    j.checkpointInterval = Duration.ofSeconds(1);
    EvaluationConfig.Builder ev = EvaluationConfig.off(snapshots).toBuilder();
    ev.evalEvery = 2; // snapshots only: no kNN evaluator
    ev.metricsTopic = "live-train-metrics";
    j.evaluation = ev.build();
    JobConfig trainer = j.build();

    EmbedConfig.Builder s = service("live", snapshots).toBuilder();
    s.reembedTopic = "live-ref";
    EmbedConfig c = s.build();
    SnapshotDirectory dir = new SnapshotDirectory(snapshots, c.modelKey());

    produce(trainer.imagesTopic(), 0, 64); // steps 1 and 2
    produce(c.reembedTopic(), 1000, 1024);
    produce(c.inputTopic(), 2000, 2040, List.of(2005, 2030)); // 2 bad in 42: 4.8%

    StreamExecutionEnvironment trainEnv =
        StreamExecutionEnvironment.getExecutionEnvironment(
            MixstreamJob.flinkConfiguration(trainer));
    MixstreamJob.build(trainEnv, trainer);
    JobClient training = trainEnv.executeAsync("trainer beside the service");
    JobClient serving = null;
    try {
      awaitSnapshot(dir, 2);
      org.apache.flink.configuration.Configuration conf = EmbeddingServiceJob.flinkConfiguration(c);
      // no restarts: a malformed record that threw would fail the test instead of retrying
      conf.setString("restart-strategy.type", "none");
      StreamExecutionEnvironment embedEnv =
          StreamExecutionEnvironment.getExecutionEnvironment(conf);
      EmbeddingServiceJob.build(embedEnv, c, new KafkaPreflight.Findings(1 << 20));
      serving = embedEnv.executeAsync("embedding service");

      List<EmbeddingRecord> wave1 = embeddings(c.outputTopic(), 40);
      assertThat(wave1).hasSize(40).allMatch(r -> r.step() == 2 && r.modelKey().equals("default"));
      assertVectors(wave1, expected(dir, 2, 2000, 2040));

      produce(trainer.imagesTopic(), 64, 128); // steps 3 and 4
      awaitSnapshot(dir, 4);
      awaitSwap(c, 4);
      produce(c.inputTopic(), 2040, 2080, List.of(2041, 2077));
      List<EmbeddingRecord> all = embeddings(c.outputTopic(), 80);
      assertThat(all).hasSize(80);
      assertThat(all.subList(0, 40)).isEqualTo(wave1);
      List<EmbeddingRecord> wave2 = all.subList(40, 80);
      assertThat(wave2).as("every image after the swap").allMatch(r -> r.step() == 4);
      assertVectors(wave2, expected(dir, 4, 2040, 2080));

      Map<Long, List<EmbeddingRecord>> reference =
          embeddings(c.resolvedReembedOutputTopic(), 48).stream()
              .collect(Collectors.groupingBy(EmbeddingRecord::step));
      assertThat(reference.keySet()).containsExactlyInAnyOrder(2L, 4L);
      assertVectors(reference.get(2L), expected(dir, 2, 1000, 1024));
      assertVectors(reference.get(4L), expected(dir, 4, 1000, 1024));
      assertThat(
              TopicRecords.read(broker.bootstrapServers(), c.deadLetterTopic(), 4, WAIT).stream()
                  .map(r -> new String(r.key(), StandardCharsets.UTF_8)))
          .containsExactlyInAnyOrder("bad-2005", "bad-2030", "bad-2041", "bad-2077");
      assertThat(serving.getJobStatus().get())
          .as("malformed input never fails the job")
          .isEqualTo(org.apache.flink.api.common.JobStatus.RUNNING);

      // train --fresh on the same snapshot folder: a new lineage whose step 2 is older than the
      // service's step 4, and the service follows it from its first snapshot
      training.cancel().get();
      JobConfig.Builder again = trainer.toBuilder();
      again.checkpointDir = tmp.resolve("trainer-ckpt-fresh");
      again.imagesTopic = "live-train-fresh";
      again.groupId = "live-train-fresh";
      JobConfig fresh = again.build();
      produce(fresh.imagesTopic(), 200, 264); // its steps 1 and 2
      StreamExecutionEnvironment freshEnv =
          StreamExecutionEnvironment.getExecutionEnvironment(
              MixstreamJob.flinkConfiguration(fresh));
      MixstreamJob.build(freshEnv, fresh);
      training = freshEnv.executeAsync("a fresh trainer beside the service");
      awaitSwapAfter(c, 2, 2); // a swap beyond the first run's two, to the new run's step 2
      produce(c.inputTopic(), 2080, 2120);
      List<EmbeddingRecord> wave3 = embeddings(c.outputTopic(), 120).subList(80, 120);
      assertThat(wave3)
          .as("the new run's step 2, not the old run's step 4")
          .allMatch(r -> r.step() == 2);
      assertVectors(wave3, expected(dir, 2, 2080, 2120));
    } finally {
      if (serving != null) {
        serving.cancel().get();
      }
      training.cancel().get();
    }
  }

  /** Waits for the service's report of {@code step} after more than {@code swapsBefore} swaps. */
  private static void awaitSwapAfter(EmbedConfig c, long step, long swapsBefore) {
    long deadline = System.nanoTime() + WAIT.toNanos();
    while (System.nanoTime() < deadline) {
      for (var r :
          TopicRecords.read(
              broker.bootstrapServers(), c.metricsTopic(), 1, Duration.ofSeconds(2))) {
        if (MetricsCodec.decode(new String(r.value(), StandardCharsets.UTF_8))
                instanceof MetricsRecord.Embed e
            && e.step() == step
            && e.swaps() > swapsBefore) {
          return;
        }
      }
    }
    throw new AssertionError(
        "the service did not follow the new run to its step " + step + " (a lineage switch)");
  }

  /** With one embedder, and with two (each image keyed to one of them, each with its own model). */
  @ParameterizedTest
  @ValueSource(ints = {1, 2})
  void aFailureMidRunRepeatsNothingForAReadCommittedReaderAndBadRecordsAreDeadLettered(
      int embedders) throws Exception {
    Path snapshots = tmp.resolve("eo" + embedders + "-snapshots");
    EmbedConfig.Builder b = service("eo" + embedders, snapshots).toBuilder();
    b.bounded = true;
    b.embedParallelism = embedders;
    EmbedConfig c = b.build();
    SnapshotDirectory dir = new SnapshotDirectory(snapshots, c.modelKey());
    Files.createDirectories(dir.folder());
    try (MocoTrainer trainer = TrainerFixtures.trainer(TrainerFixtures.tiny(Method.MOCO))) {
      Files.write(dir.file(0), trainer.encoderSnapshot().toSafetensors());
    }
    // 400 images and a truncated record before every 20th: 20 bad in 420, 4.8%
    List<String> bad = new ArrayList<>();
    ImageRecordCodec codec = ImageRecordCodec.withDefaults();
    List<java.util.concurrent.Future<?>> sent = new ArrayList<>();
    try (KafkaProducer<byte[], byte[]> p = producer()) {
      for (int i = 0; i < 400; i++) {
        byte[] good = codec.encode(test.record(i));
        if (i % 20 == 0) {
          bad.add("bad-" + i);
          sent.add(
              p.send(
                  new ProducerRecord<>(
                      c.inputTopic(),
                      ("bad-" + i).getBytes(StandardCharsets.UTF_8),
                      Arrays.copyOf(good, good.length / 2))));
        }
        sent.add(
            p.send(
                new ProducerRecord<>(
                    c.inputTopic(), test.id(i).getBytes(StandardCharsets.UTF_8), good)));
      }
    }
    for (var f : sent) {
      f.get();
    }

    FailOnceAfterCheckpoint.reset();
    StreamExecutionEnvironment env =
        StreamExecutionEnvironment.getExecutionEnvironment(
            EmbeddingServiceJob.flinkConfiguration(c));
    EmbeddingServiceJob.build(
        env,
        c,
        new KafkaPreflight.Findings(KafkaRecordSizes.KAFKA_DEFAULT_MAX_MESSAGE_BYTES),
        s ->
            // slow enough (20 ms a record, 8 s in all) that checkpoints complete while it runs
            // chained to each embedder (one per embedder; the first to pass 60 records fails)
            s.map(FailOnceAfterCheckpoint.<EmbeddingRecord>afterRecords(60, 20))
                .returns(TypeInformation.of(EmbeddingRecord.class))
                .name("fail once")
                .setParallelism(embedders));
    env.execute("embedding service with a failure");
    assertThat(FailOnceAfterCheckpoint.failed()).isTrue();

    List<EmbeddingRecord> committed = embeddings(c.outputTopic(), 400);
    assertThat(committed.stream().map(EmbeddingRecord::imageId).distinct())
        .as("every valid id once")
        .hasSize(400);
    assertThat(committed).hasSize(400);
    assertVectors(committed, expected(dir, 0, 0, 400));
    List<ConsumerRecord<byte[], byte[]>> everything =
        TopicRecords.read(broker.bootstrapServers(), c.outputTopic(), 401, Duration.ofSeconds(5));
    assertThat(everything.size())
        .as("a read_uncommitted reader sees the aborted attempt's records too")
        .isGreaterThan(400);

    List<String> letters =
        TopicRecords.read(broker.bootstrapServers(), c.deadLetterTopic(), bad.size(), WAIT).stream()
            .map(r -> new String(r.key(), StandardCharsets.UTF_8))
            .distinct()
            .toList();
    assertThat(letters).containsExactlyInAnyOrderElementsOf(bad);
  }

  private static void awaitSnapshot(SnapshotDirectory dir, long step) throws Exception {
    long deadline = System.nanoTime() + WAIT.toNanos();
    while (System.nanoTime() < deadline) {
      OptionalLong latest = dir.latestStep();
      if (latest.isPresent() && latest.getAsLong() >= step) {
        assertThat(latest.getAsLong()).isEqualTo(step);
        return;
      }
      Thread.sleep(100);
    }
    throw new AssertionError("no snapshot of step " + step + " in " + dir);
  }

  /** Waits for the service's own report that it embeds with {@code step}. */
  private static void awaitSwap(EmbedConfig c, long step) {
    long deadline = System.nanoTime() + WAIT.toNanos();
    while (System.nanoTime() < deadline) {
      for (var r :
          TopicRecords.read(
              broker.bootstrapServers(), c.metricsTopic(), 1, Duration.ofSeconds(2))) {
        if (MetricsCodec.decode(new String(r.value(), StandardCharsets.UTF_8))
                instanceof MetricsRecord.Embed e
            && e.step() == step) {
          return;
        }
      }
    }
    throw new AssertionError("the service did not report step " + step);
  }
}
