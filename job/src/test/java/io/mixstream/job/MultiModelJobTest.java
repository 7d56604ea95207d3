package io.mixstream.job;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.mixstream.cifar.Cifar10Reader;
import io.mixstream.cifar.CifarSplit;
import io.mixstream.config.EvaluationConfig;
import io.mixstream.config.JobConfig;
import io.mixstream.config.Method;
import io.mixstream.config.ModelSpec;
import io.mixstream.config.TrainingConfig;
import io.mixstream.job.faults.FailOnceAfterCheckpoint;
import io.mixstream.job.training.StepResult;
import io.mixstream.kafka.LocalKafkaBroker;
import io.mixstream.kafka.TopicReader;
import io.mixstream.records.MetricsCodec;
import io.mixstream.records.MetricsRecord;
import io.mixstream.testing.LogLines;
import io.mixstream.testing.SharedData;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.core.execution.SavepointFormatType;
import org.apache.flink.shaded.jackson2.com.fasterxml.jackson.databind.JsonNode;
import org.apache.flink.state.rocksdb.RocksDBOperationUtils;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.functions.sink.v2.DiscardingSink;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Table 1's seven methods (and Approach 2's aligned ablation) in one job, on one stream read once:
 * each trains exactly as it would alone, a failure after a checkpoint resumes every one of them
 * exactly (SimCLR's and BYOL's heads and target network included), and one evaluator serves them
 * all.
 */
@Tag("integration")
class MultiModelJobTest {
  private static final int STEPS = 8;
  private static final String TOPIC = "side-by-side";

  @TempDir static Path tmp;
  static LocalKafkaBroker broker;
  static JobFixtures fx;
  static Map<String, List<StepResult>> together;
  static List<String> rocksDbWarnings;

  @BeforeAll
  static void trainThreeModelsTogether() throws Exception {
    broker = LocalKafkaBroker.start(tmp.resolve("kafka"), 0);
    fx = new JobFixtures(broker, Cifar10Reader.read(SharedData.cifar10(), CifarSplit.TEST), tmp);
    fx.produce(TOPIC, STEPS * 32, 0);
    try (var rocksDb = new LogLines(RocksDBOperationUtils.class)) {
      together = byModel(StreamingJobTest.run(allModels("together"), false));
      rocksDbWarnings = rocksDb.containing("performance will be poor");
    }
  }

  @AfterAll
  static void stop() {
    broker.close();
  }

  static final List<String> KEYS =
      List.of("simclr", "byol", "moco", "moco-cutmix", "unmix-w8", "a1", "approach2", "aligned");

  /**
   * The seven methods, approach1 with its own seed and unmix at width 8, and approach2 aligned, one
   * partition, one decoder.
   */
  static JobConfig allModels(String name) {
    return allModels(name, true);
  }

  static JobConfig allModels(String name, boolean bounded) {
    JobConfig base = fx.job(Method.MOCO, TOPIC, name, 1, bounded);
    TrainingConfig.Builder a1 = JobFixtures.tiny(Method.APPROACH1).toBuilder();
    a1.seed = 11;
    TrainingConfig.Builder unmix = JobFixtures.tiny(Method.UNMIX).toBuilder();
    unmix.width = 8;
    TrainingConfig.Builder aligned = JobFixtures.tiny(Method.APPROACH2).toBuilder();
    aligned.approach2Aligned = true;
    JobConfig.Builder b = base.toBuilder();
    b.models =
        List.of(
            new ModelSpec("simclr", JobFixtures.tiny(Method.SIMCLR), "cpu", 1),
            new ModelSpec("byol", JobFixtures.tiny(Method.BYOL), "cpu", 1),
            new ModelSpec("moco", JobFixtures.tiny(Method.MOCO), "cpu", 1),
            new ModelSpec("moco-cutmix", JobFixtures.tiny(Method.MOCO_CUTMIX), "cpu", 1),
            new ModelSpec("unmix-w8", unmix.build(), "cpu", 1),
            new ModelSpec("a1", a1.build(), "cpu", 1),
            new ModelSpec("approach2", JobFixtures.tiny(Method.APPROACH2), "cpu", 1),
            new ModelSpec("aligned", aligned.build(), "cpu", 1));
    return b.build();
  }

  static Map<String, List<StepResult>> byModel(List<StepResult> steps) {
    Map<String, List<StepResult>> out = new HashMap<>();
    for (StepResult r : steps) {
      out.computeIfAbsent(r.modelKey, k -> new ArrayList<>()).add(r);
    }
    out.values().forEach(l -> l.sort(java.util.Comparator.comparingLong(r -> r.step)));
    return out;
  }

  @Test
  void eachModelTrainsBitForBitAsItDoesAlone() throws Exception {
    assertThat(together).containsOnlyKeys(KEYS);
    for (ModelSpec m : allModels("together").models()) {
      JobConfig.Builder alone = fx.job(Method.MOCO, TOPIC, "alone-" + m.key(), 1, true).toBuilder();
      alone.modelKey = m.key();
      alone.training = m.training();
      alone.torchThreads = 1;
      List<StepResult> own = StreamingJobTest.run(alone.build(), false);
      List<StepResult> side = together.get(m.key());
      assertThat(own).hasSize(STEPS);
      assertThat(side).hasSize(STEPS);
      for (int s = 0; s < STEPS; s++) {
        assertThat(side.get(s).imageIds).containsExactly(own.get(s).imageIds);
        assertThat(Double.doubleToRawLongBits(side.get(s).loss))
            .as("%s: loss of step %d", m.key(), s + 1)
            .isEqualTo(Double.doubleToRawLongBits(own.get(s).loss));
      }
      MetricsRecord.Final end = finalRecord("together-metrics", m.key());
      assertThat(end.step()).isEqualTo(STEPS);
      assertThat(end.stateSha256())
          .as("%s: weights, buffers and queues at the end", m.key())
          .isEqualTo(finalRecord("alone-" + m.key() + "-metrics", m.key()).stateSha256());
    }
    // eight different models: the comparison above could not pass by accident
    assertThat(KEYS.stream().map(k -> together.get(k).get(0).loss).distinct()).hasSize(8);
  }

  @Test
  void eightModelsStartWithoutRocksDbSayingItsMemoryIsTooSmall() {
    // eight slots share the local TaskManager's managed memory (MixstreamJob.localManagedMemory)
    assertThat(rocksDbWarnings).isEmpty();
  }

  @Test
  void aFailureAfterACheckpointResumesEveryModelExactly() throws Exception {
    FailOnceAfterCheckpoint.reset();
    Map<String, List<StepResult>> recovered =
        byModel(StreamingJobTest.run(allModels("recovered"), true));
    assertThat(FailOnceAfterCheckpoint.failed()).isTrue();
    for (String key : together.keySet()) {
      List<StepResult> clean = together.get(key);
      List<StepResult> again = recovered.get(key);
      assertThat(again).as(key).hasSize(STEPS);
      for (int s = 0; s < STEPS; s++) {
        assertThat(again.get(s).imageIds).containsExactly(clean.get(s).imageIds);
        assertThat(Double.doubleToRawLongBits(again.get(s).loss))
            .as("%s: loss of step %d", key, s + 1)
            .isEqualTo(Double.doubleToRawLongBits(clean.get(s).loss));
      }
      MetricsRecord.Final end = finalRecord("recovered-metrics", key);
      assertThat(end.stateSha256()).isEqualTo(finalRecord("together-metrics", key).stateSha256());
      assertThat(end.trainedDigestCount()).isEqualTo(STEPS * 32L);
    }
  }

  /**
   * One kNN evaluator for every model, holding the bank and test sets once: its checkpointed state
   * with three models is that with one (within 10%; stored per model it would be three times).
   * Three, not all eight: with eight, the snapshots waiting for their evaluation at the checkpoint
   * outweigh the sets. Every model's gauges are in the dashboard under its key.
   */
  @Test
  void theEvaluatorStoresItsSetsOnceAndTheDashboardShowsEveryModel() throws Exception {
    fx.produce("side-bank", fx.cifar(), 1000, 64);
    fx.produce("side-test", fx.cifar(), 2000, 32);
    long one = evaluatorStateBytes(fx.job(Method.MOCO, TOPIC, "eval-one", 1, false), List.of());
    JobConfig.Builder three = allModels("eval-three", false).toBuilder();
    List<String> keys = List.of("moco", "simclr", "byol"); // the pooled-feature kNN of two
    three.models = three.models.stream().filter(m -> keys.contains(m.key())).toList();
    long threeBytes = evaluatorStateBytes(three.build(), keys);
    long imageBytes = 96L * 3 * 32 * 32;
    assertThat(one).as("one model's evaluator state").isGreaterThan(imageBytes / 2);
    assertThat((double) threeBytes).as("three models'").isCloseTo(one, within(0.1 * one));
  }

  /**
   * Runs {@code job} unbounded with the evaluator on until every model has been evaluated at its
   * last step (the stream holds {@link #STEPS} batches), so that no snapshot waits in the
   * evaluator's state; returns the evaluator's state size in a savepoint taken then.
   *
   * @param keys the models whose gauges must show (empty: the one model, "default")
   */
  private static long evaluatorStateBytes(JobConfig job, List<String> keys) throws Exception {
    EvaluationConfig.Builder e = job.evaluation().toBuilder();
    e.evalEvery = 2;
    e.knnBankTopic = "side-bank";
    e.knnTestTopic = "side-test";
    e.knnBankSize = 64;
    e.knnTestSize = 32;
    e.knnK = 20;
    JobConfig.Builder b = job.toBuilder();
    b.evaluation = e.build();
    JobConfig c = b.build();
    List<String> models = keys.isEmpty() ? List.of("default") : keys;
    int port;
    try (ServerSocket socket = new ServerSocket(0)) {
      port = socket.getLocalPort();
    }
    Configuration conf = MixstreamJob.flinkConfiguration(c);
    conf.addAll(RestMetrics.webUi(port));
    StreamExecutionEnvironment env =
        StreamExecutionEnvironment.createLocalEnvironmentWithWebUI(conf);
    env.setParallelism(1);
    MixstreamJob.build(env, c).sinkTo(new DiscardingSink<>());
    JobClient client = env.executeAsync("evaluator state " + c.groupId());
    try {
      RestMetrics rest = new RestMetrics(port, client.getJobID().toHexString());
      String trainer = rest.vertex("train");
      String evaluator = rest.vertex("kNN evaluator");
      long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
      for (String key : models) {
        while (!(rest.metric(evaluator, "model." + key + ".knnStep") >= STEPS)) {
          assertThat(System.nanoTime())
              .as("%s evaluated at its last step", key)
              .isLessThan(deadline);
          Thread.sleep(200);
        }
        assertThat(rest.metric(evaluator, "model." + key + ".knnAccuracy")).isBetween(0.0, 1.0);
        assertThat(rest.metric(evaluator, "model." + key + ".knnFloor")).isBetween(0.0, 1.0);
        assertThat(rest.metric(trainer, "model." + key + ".step")).isGreaterThanOrEqualTo(2);
        assertThat(rest.metric(trainer, "model." + key + ".loss")).isFinite();
      }
      // a canonical savepoint holds the live entries only; a checkpoint also counts RocksDB files
      // that still hold the snapshots that waited for evaluation (until a compaction drops them)
      client
          .triggerSavepoint(
              tmp.resolve("savepoints").toUri().toString(), SavepointFormatType.CANONICAL)
          .get();
      JsonNode savepoint;
      while ((savepoint =
              rest.get("/jobs/" + client.getJobID().toHexString() + "/checkpoints")
                  .path("latest")
                  .path("savepoint"))
          .path("id")
          .isMissingNode()) { // the statistics may lag the savepoint a little
        assertThat(System.nanoTime()).as("the savepoint in the statistics").isLessThan(deadline);
        Thread.sleep(200);
      }
      JsonNode details =
          rest.get(
              "/jobs/%s/checkpoints/details/%d"
                  .formatted(client.getJobID().toHexString(), savepoint.get("id").asLong()));
      return details.get("tasks").get(evaluator).get("state_size").asLong();
    } finally {
      client.cancel().get();
    }
  }

  /**
   * The record of type final of {@code model} on a metrics topic. A model that ended before a
   * restart (models end at different moments) ends again from the checkpoint: the sink is at least
   * once, so there may be copies, and they must agree.
   */
  static MetricsRecord.Final finalRecord(String metricsTopic, String model) {
    List<MetricsRecord.Final> ends = new ArrayList<>();
    try (TopicReader r =
        new TopicReader(broker.bootstrapServers(), Map.of(), metricsTopic, "the job")) {
      for (byte[] v : r.readAll(Duration.ofSeconds(20))) {
        if (MetricsCodec.decode(new String(v, StandardCharsets.UTF_8))
                instanceof MetricsRecord.Final f
            && f.model().equals(model)) {
          ends.add(f);
        }
      }
    }
    assertThat(ends).as("final records of %s on %s", model, metricsTopic).isNotEmpty();
    assertThat(ends.stream().map(f -> f.stateSha256() + f.trainedDigestSum()).distinct())
        .as("copies of the final record of %s", model)
        .hasSize(1);
    return ends.get(0);
  }
}
