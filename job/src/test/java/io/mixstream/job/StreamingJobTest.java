package io.mixstream.job;

import static org.assertj.core.api.Assertions.assertThat;

import io.mixstream.cifar.Cifar10Reader;
import io.mixstream.cifar.CifarSplit;
import io.mixstream.config.EvaluationConfig;
import io.mixstream.config.JobConfig;
import io.mixstream.config.Method;
import io.mixstream.config.Stem;
import io.mixstream.config.TrainingConfig;
import io.mixstream.job.faults.FailOnceAfterCheckpoint;
import io.mixstream.job.training.StepResult;
import io.mixstream.kafka.LocalKafkaBroker;
import io.mixstream.kafka.TopicReader;
import io.mixstream.records.MetricsCodec;
import io.mixstream.records.MetricsRecord;
import io.mixstream.testing.SharedData;
import io.mixstream.testing.TopicRecords;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.core.execution.SavepointFormatType;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.functions.sink.v2.DiscardingSink;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.EnumSource;

/** The whole job: a real broker, a MiniCluster with RocksDB and checkpoints, real CIFAR-10. */
@Tag("integration")
class StreamingJobTest {
  @TempDir static Path tmp;
  static LocalKafkaBroker broker;
  static JobFixtures fx;

  @BeforeAll
  static void start() throws Exception {
    broker = LocalKafkaBroker.start(tmp.resolve("kafka"), 0);
    fx = new JobFixtures(broker, Cifar10Reader.read(SharedData.cifar10(), CifarSplit.TEST), tmp);
  }

  @AfterAll
  static void stop() {
    broker.close();
  }

  static List<StepResult> run(JobConfig c, boolean failOnce) throws Exception {
    org.apache.flink.configuration.Configuration conf = MixstreamJob.flinkConfiguration(c);
    if (!failOnce) {
      // no restarts allowed: bad input that threw would fail the test instead of retrying
      conf.addAll(
          org.apache.flink.configuration.Configuration.fromMap(
              Map.of("restart-strategy.type", "none")));
    }
    StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(conf);
    env.setParallelism(1);
    DataStream<StepResult> steps = MixstreamJob.build(env, c);
    if (failOnce) {
      steps = steps.map(FailOnceAfterCheckpoint.afterStep(5, 50)).name("fail once");
    }
    List<StepResult> out = new ArrayList<>();
    try (var it = steps.executeAndCollect("test " + c.groupId())) {
      it.forEachRemaining(out::add);
    }
    return out;
  }

  @Test
  void trainsEveryValidImageOnceAndSendsMalformedOnesToTheDeadLetterTopic() throws Exception {
    List<String> bad = fx.produce("e2e", 160, 20);
    List<StepResult> steps = run(fx.job(Method.MOCO, "e2e", "e2e", 2, true), false);

    assertThat(steps).hasSize(5);
    Set<String> trained = new HashSet<>();
    for (int s = 0; s < steps.size(); s++) {
      assertThat(steps.get(s).step).isEqualTo(s + 1);
      assertThat(steps.get(s).loss).isFinite();
      assertThat(steps.get(s).stepSeconds).isPositive();
      assertThat(steps.get(s).batchSeconds).isBetween(0.0, 60.0);
      for (String id : steps.get(s).imageIds) {
        assertThat(trained.add(id)).as("trained twice: %s", id).isTrue();
      }
    }
    assertThat(trained).hasSize(160).contains("cifar10-test-00000", "cifar10-test-00159");

    List<ConsumerRecord<byte[], byte[]>> dead = consume("e2e-dead", bad.size());
    assertThat(dead).hasSize(bad.size());
    for (ConsumerRecord<byte[], byte[]> r : dead) {
      assertThat(bad).contains(new String(r.key(), StandardCharsets.UTF_8));
      assertThat(header(r, "mixstream.reason")).isEqualTo("TRUNCATED");
      assertThat(header(r, "mixstream.error")).contains("pixel bytes");
      assertThat(header(r, "mixstream.source.topic")).isEqualTo("e2e");
      assertThat(Long.parseLong(header(r, "mixstream.source.offset"))).isNotNegative();
    }
  }

  /**
   * For each method: a run with a failure injected after a checkpoint ends exactly like an
   * uninterrupted run: the same images in every batch, and every step's loss equal bit for bit. The
   * loss of a step depends on every weight, optimizer buffer and queue entry before it, so this
   * reads the restored model (operator state) and the restored queues (RocksDB keyed state) back
   * through a real restore.
   */
  @ParameterizedTest
  @EnumSource( // SimCLR's and BYOL's recovery: MultiModelJobTest, all seven in one job
      value = Method.class,
      names = {"SIMCLR", "BYOL"},
      mode = EnumSource.Mode.EXCLUDE)
  void aFailureAfterACheckpointResumesExactly(Method method) throws Exception {
    // One partition and one decoder: the trainer sees the images in one order, run after run,
    // so the two runs must agree bit for bit. (With parallel decoders each image is still
    // trained exactly once, but how batches are composed depends on the interleaving.)
    assertRecoversExactly(method, "recovery-" + method.cliName(), 32, Stem.CIFAR);
  }

  /** The same at 64 px: the views cropped and resized to 64, regions on 8x8 and 2x2 maps. */
  @ParameterizedTest
  @CsvSource({"APPROACH1, CIFAR", "APPROACH2, IMAGENET"})
  void aFailureAfterACheckpointResumesExactlyAtSixtyFourPixels(Method method, Stem stem)
      throws Exception {
    assertRecoversExactly(method, "recovery-64-" + method.cliName(), 64, stem);
  }

  /**
   * The same through a minred replay buffer of 96 images, two steps per 32 arriving images: the
   * buffer's images (keyed state) and its index (operator state) come back with the model, so the
   * draws after the restore are the clean run's.
   */
  @Test
  void aFailureAfterACheckpointResumesExactlyThroughAReplayBuffer() throws Exception {
    assertRecoversExactly(
        Method.MOCO,
        "recovery-buffer",
        32,
        Stem.CIFAR,
        new TrainingConfig.Buffer(96, io.mixstream.config.BufferPolicy.MINRED, 2));
  }

  private void assertRecoversExactly(Method method, String topic, int side, Stem stem)
      throws Exception {
    assertRecoversExactly(
        method, topic, side, stem, io.mixstream.config.TrainingConfig.defaults().buffer());
  }

  private void assertRecoversExactly(
      Method method, String topic, int side, Stem stem, TrainingConfig.Buffer buffer)
      throws Exception {
    int steps = 12;
    fx.produce(topic, steps * 32 / buffer.updatesPerBatch(), 0);
    List<StepResult> clean =
        run(
            withQuality(
                withBuffer(
                    atSize(fx.job(method, topic, topic + "-clean", 1, true), side, stem), buffer)),
            false);
    FailOnceAfterCheckpoint.reset();
    List<StepResult> recovered =
        run(
            withQuality(
                withBuffer(
                    atSize(fx.job(method, topic, topic + "-failed", 1, true), side, stem), buffer)),
            true);

    assertThat(FailOnceAfterCheckpoint.failed()).isTrue();
    assertThat(clean).hasSize(steps);
    assertThat(recovered).hasSize(steps);
    for (int s = 0; s < steps; s++) {
      assertThat(recovered.get(s).step).isEqualTo(clean.get(s).step);
      assertThat(recovered.get(s).imageIds).containsExactly(clean.get(s).imageIds);
      assertThat(Double.doubleToRawLongBits(recovered.get(s).loss))
          .as("%s: loss of step %d", method, s + 1)
          .isEqualTo(Double.doubleToRawLongBits(clean.get(s).loss));
    }
    // the digest of what was trained rolled back with the rest and ends where the clean run's
    // does, which is what a slow sum over the steps' ids gives
    long sum = 0;
    for (StepResult r : clean) {
      for (String id : r.imageIds) {
        sum += io.mixstream.train.TrainedDigest.hash(id, r.epoch);
      }
    }
    StepResult last = recovered.get(steps - 1);
    assertThat(last.trainedDigestCount).isEqualTo(steps * 32L);
    assertThat(last.trainedDigestSum)
        .isEqualTo(sum)
        .isEqualTo(clean.get(steps - 1).trainedDigestSum);
    // the whole state at the end of input, through the metrics topic: weights, buffers, queues
    MetricsRecord.Final cleanEnd = finalRecord(topic + "-clean-metrics");
    MetricsRecord.Final recoveredEnd = finalRecord(topic + "-failed-metrics");
    assertThat(recoveredEnd.step()).isEqualTo(steps);
    assertThat(recoveredEnd.stateSha256()).isEqualTo(cleanEnd.stateSha256());
    assertThat(recoveredEnd.trainedDigestSum()).isEqualTo(sum);
    assertThat(recoveredEnd.trainedDigestCount()).isEqualTo(steps * 32L);
    // the label-free measures, with the evaluator off: the window of the last 48 images came back
    // from keyed state with the model, so every reading after the restore is the clean run's
    Map<Long, List<Object>> cleanReadings = qualityReadings(topic + "-clean-metrics");
    assertThat(cleanReadings).containsOnlyKeys(0L, 4L, 8L, 12L);
    assertThat(qualityReadings(topic + "-failed-metrics")).isEqualTo(cleanReadings);
  }

  /** A job that takes the label-free measures every 4 steps on a window of 48 images. */
  private static JobConfig withQuality(JobConfig c) {
    EvaluationConfig.Builder e = c.evaluation().toBuilder();
    e.qualityEvery = 4;
    e.qualityWindow = 48;
    JobConfig.Builder b = c.toBuilder();
    b.evaluation = e.build();
    return b.build();
  }

  /**
   * The quality readings on a metrics topic by step (a step replayed after a restore: the later
   * copy), without their time and duration.
   */
  private static Map<Long, List<Object>> qualityReadings(String metricsTopic) {
    Map<Long, List<Object>> out = new java.util.TreeMap<>();
    try (TopicReader r =
        new TopicReader(broker.bootstrapServers(), Map.of(), metricsTopic, "the job")) {
      for (byte[] v : r.readAll(Duration.ofSeconds(20))) {
        if (MetricsCodec.decode(new String(v, StandardCharsets.UTF_8))
            instanceof MetricsRecord.Quality q) {
          assertThat(q.window())
              .as("step 0 reads the first batch; by step 4 the window is full")
              .isEqualTo(q.step() == 0 ? 32 : 48);
          out.put(
              q.step(),
              List.of(q.rankMe(), q.alignment(), q.uniformity(), q.embeddingStd(), q.collapsed()));
        }
      }
    }
    return out;
  }

  /** Whether a metrics topic holds the record of training step {@code step}. */
  private static boolean trainedStep(String metricsTopic, long step) {
    try (TopicReader r =
        new TopicReader(broker.bootstrapServers(), Map.of(), metricsTopic, "the job")) {
      for (byte[] v : r.readAll(Duration.ofSeconds(20))) {
        if (MetricsCodec.decode(new String(v, StandardCharsets.UTF_8))
                instanceof MetricsRecord.Train t
            && t.step() == step) {
          return true;
        }
      }
    }
    return false;
  }

  /** The one record of type final on a metrics topic. */
  private static MetricsRecord.Final finalRecord(String metricsTopic) {
    List<MetricsRecord.Final> ends = new ArrayList<>();
    try (TopicReader r =
        new TopicReader(broker.bootstrapServers(), Map.of(), metricsTopic, "the job")) {
      for (byte[] v : r.readAll(Duration.ofSeconds(20))) {
        if (MetricsCodec.decode(new String(v, StandardCharsets.UTF_8))
            instanceof MetricsRecord.Final f) {
          ends.add(f);
        }
      }
    }
    assertThat(ends).as("final records on %s", metricsTopic).hasSize(1);
    return ends.get(0);
  }

  private static JobConfig withBuffer(JobConfig c, TrainingConfig.Buffer buffer) {
    TrainingConfig.Builder t = c.training().toBuilder();
    t.bufferSize = buffer.bufferSize();
    t.bufferPolicy = buffer.bufferPolicy();
    t.updatesPerBatch = buffer.updatesPerBatch();
    JobConfig.Builder b = c.toBuilder();
    b.training = t.build();
    return b.build();
  }

  private static JobConfig atSize(JobConfig c, int side, Stem stem) {
    TrainingConfig.Builder t = c.training().toBuilder();
    t.imageSize = side;
    t.stem = stem;
    JobConfig.Builder b = c.toBuilder();
    b.training = t.build();
    return b.build();
  }

  /**
   * `flink stop --drain` on an unbounded run: the end-of-input watermark fires the trainer's
   * final-snapshot timer, so the model as it stopped is on disk (the periodic snapshots, every
   * 1,000 steps here, never came).
   */
  @Test
  void stopWithDrainWritesTheFinalSnapshot() throws Exception {
    fx.produce("drain", 320, 0); // 10 steps of 32
    Path snapshots = tmp.resolve("drain-snapshots");
    EvaluationConfig.Builder e = EvaluationConfig.defaults(snapshots).toBuilder();
    e.evalEvery = 1000;
    e.knnBankTopic = "drain-bank";
    e.knnTestTopic = "drain-test";
    e.knnBankSize = 0; // snapshots without an evaluator
    e.knnTestSize = 0;
    e.metricsTopic = "drain-metrics";
    e.embeddingsTopic = "drain-embeddings";
    e.qualityEvery = 0; // the metrics topic holds the steps' records alone
    JobConfig.Builder b = fx.job(Method.MOCO, "drain", "drain", 1, false).toBuilder();
    b.evaluation = e.build();
    JobConfig c = b.build();
    StreamExecutionEnvironment env =
        StreamExecutionEnvironment.getExecutionEnvironment(MixstreamJob.flinkConfiguration(c));
    MixstreamJob.build(env, c).sinkTo(new DiscardingSink<>());
    JobClient client = env.executeAsync("drain test");
    assertThat(consume("drain-metrics", 10)).as("every step's metrics record").hasSize(10);
    Path last = snapshots.resolve("default/step-00000010.safetensors");
    assertThat(snapshots.resolve("default/step-00000000.safetensors")).exists();
    assertThat(last).doesNotExist();

    client
        .stopWithSavepoint(
            true, tmp.resolve("drain-savepoints").toUri().toString(), SavepointFormatType.CANONICAL)
        .get(60, TimeUnit.SECONDS);

    assertThat(last).exists();
    assertThat(snapshots.resolve("default/step-00000010.json")).exists();
  }

  /**
   * A bounded run stopped with a savepoint and resumed from it ends by itself, with every step
   * done: the Kafka connector's restored enumerator alone never signals the end (FLINK-31006), and
   * the job would wait forever.
   */
  @Test
  void aBoundedRunResumedFromASavepointEnds() throws Exception {
    int steps = 150; // long enough to be stopped before it ends
    fx.produce("resume", steps * 32, 0);
    JobConfig c = fx.job(Method.MOCO, "resume", "resume", 1, true);
    org.apache.flink.configuration.Configuration conf = MixstreamJob.flinkConfiguration(c);
    StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(conf);
    MixstreamJob.build(env, c).sinkTo(new DiscardingSink<>());
    JobClient first = env.executeAsync("resume, first part");
    assertThat(consume("resume-metrics", 3)).hasSizeGreaterThanOrEqualTo(3);
    String savepoint =
        first
            .stopWithSavepoint(
                false,
                tmp.resolve("resume-savepoints").toUri().toString(),
                SavepointFormatType.CANONICAL)
            .get(60, TimeUnit.SECONDS);

    conf.setString("execution.state-recovery.path", savepoint);
    StreamExecutionEnvironment again = StreamExecutionEnvironment.getExecutionEnvironment(conf);
    MixstreamJob.build(again, c).sinkTo(new DiscardingSink<>());
    JobClient second = again.executeAsync("resume, second part");
    long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(5);
    while (!trainedStep("resume-metrics", steps)) {
      assertThat(System.nanoTime())
          .as("step %d trained within 5 minutes", steps)
          .isLessThan(deadline);
      Thread.sleep(500);
    }
    // the last step is done: the input has ended, and the job with it
    second.getJobExecutionResult().get(30, TimeUnit.SECONDS);
    MetricsRecord.Final end = finalRecord("resume-metrics");
    assertThat(end.step()).isEqualTo(steps);
    assertThat(end.trainedDigestCount()).isEqualTo(steps * 32L);
  }

  static List<ConsumerRecord<byte[], byte[]>> consume(String topic, int expected) {
    return consume(broker, topic, expected);
  }

  /** {@code topic} from the start, until {@code expected} records or 20 s. */
  static List<ConsumerRecord<byte[], byte[]>> consume(
      LocalKafkaBroker broker, String topic, int expected) {
    return TopicRecords.read(broker.bootstrapServers(), topic, expected, Duration.ofSeconds(20));
  }

  static String header(ConsumerRecord<byte[], byte[]> r, String name) {
    return new String(r.headers().lastHeader(name).value(), StandardCharsets.UTF_8);
  }
}
