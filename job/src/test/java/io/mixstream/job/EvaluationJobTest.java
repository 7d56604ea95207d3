package io.mixstream.job;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import ai.djl.Device;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.mixstream.cifar.Cifar10Dataset;
import io.mixstream.cifar.Cifar10Reader;
import io.mixstream.cifar.CifarSplit;
import io.mixstream.config.EvaluationConfig;
import io.mixstream.config.JobConfig;
import io.mixstream.config.Method;
import io.mixstream.config.TrainingConfig;
import io.mixstream.eval.KnnClassifierTest;
import io.mixstream.eval.LoadedEncoder;
import io.mixstream.job.training.StepResult;
import io.mixstream.kafka.LocalKafkaBroker;
import io.mixstream.records.EmbeddingCodec;
import io.mixstream.records.EmbeddingRecord;
import io.mixstream.snapshot.EncoderSnapshot;
import io.mixstream.snapshot.SnapshotDirectory;
import io.mixstream.testing.SharedData;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Snapshots, the kNN evaluator and the embedding stream in the real job: a narrow MoCo trains on
 * real CIFAR-10 from Kafka while the evaluator, fed its bank and test images from two more topics,
 * scores each snapshot.
 */
@Tag("integration")
class EvaluationJobTest {
  static final int BATCH = 64;
  static final int STEPS = 200;
  static final int EVERY = 80; // 0, 80, 160, and 200 as the final snapshot at the end of input
  static final int BANK = 2000;
  static final int TEST = 500;

  @TempDir static Path tmp;
  static LocalKafkaBroker broker;
  static Cifar10Dataset train;
  static Cifar10Dataset test;

  @BeforeAll
  static void start() throws Exception {
    broker = LocalKafkaBroker.start(tmp.resolve("kafka"), 0);
    train = Cifar10Reader.read(SharedData.cifar10(), CifarSplit.TRAIN);
    test = Cifar10Reader.read(SharedData.cifar10(), CifarSplit.TEST);
  }

  @AfterAll
  static void stop() {
    broker.close();
  }

  @Test
  void aShortRunScoresAboveTheRandomInitFloorAndEveryOutputAgrees() throws Exception {
    JobFixtures fx = new JobFixtures(broker, test, tmp);
    fx.produce("train", train, BANK, STEPS * BATCH); // training images after the bank's
    fx.produce("bank", train, 0, BANK);
    fx.produce("test", test, 0, TEST);

    TrainingConfig.Builder b = TrainingConfig.defaults().toBuilder();
    b.method = Method.MOCO;
    b.width = 8;
    b.batchSize = BATCH;
    b.queueSize = 1024;
    b.epochs = 1000;
    b.seed = 3;
    Path snapshots = tmp.resolve("snapshots");
    JobConfig base = fx.job(Method.MOCO, "train", "eval", 1, true);
    EvaluationConfig.Builder ev = EvaluationConfig.defaults(snapshots).toBuilder();
    ev.evalEvery = EVERY;
    ev.qualityWindow = 512; // a quarter of the default: a reading costs this test a second
    ev.knnBankTopic = "bank";
    ev.knnTestTopic = "test";
    ev.knnBankSize = BANK;
    ev.knnTestSize = TEST;
    ev.embedIncoming = true;
    JobConfig.Builder j = base.toBuilder();
    j.training = b.build();
    j.imagesTopic = "train";
    j.deadLetterTopic = "train-dead";
    j.groupId = "eval";
    j.checkpointInterval = Duration.ofSeconds(1);
    j.evaluation = ev.build();
    JobConfig c = j.build().validate();
    StreamExecutionEnvironment env =
        StreamExecutionEnvironment.getExecutionEnvironment(MixstreamJob.flinkConfiguration(c));
    List<StepResult> steps = new ArrayList<>();
    try (var it = MixstreamJob.build(env, c).executeAndCollect("evaluation test")) {
      it.forEachRemaining(steps::add);
    }
    assertThat(steps).hasSize(STEPS);

    // one kNN result per snapshot: step 0 (the floor), 80, 160 and the final one, 200
    Map<Long, JsonObject> reports = new HashMap<>();
    List<JsonObject> trainRecords = new ArrayList<>();
    List<JsonObject> finalRecords = new ArrayList<>();
    Map<Long, JsonObject> quality = new HashMap<>();
    for (ConsumerRecord<byte[], byte[]> r :
        StreamingJobTest.consume(broker, "metrics", STEPS + 5 + 4)) {
      JsonObject o =
          JsonParser.parseString(new String(r.value(), StandardCharsets.UTF_8)).getAsJsonObject();
      switch (o.get("type").getAsString()) {
        case "knn" -> reports.put(o.get("step").getAsLong(), o);
        case "final" -> finalRecords.add(o);
        case "quality" -> quality.put(o.get("step").getAsLong(), o);
        default -> trainRecords.add(o);
      }
    }
    assertThat(finalRecords).as("the trainer's state once, at the end").hasSize(1);
    assertThat(finalRecords.get(0).get("step").getAsLong()).isEqualTo(STEPS);
    // and every step's losses, for plots
    assertThat(trainRecords).hasSize(STEPS);
    JsonObject lastStep = trainRecords.get(STEPS - 1);
    assertThat(lastStep.get("step").getAsLong()).isEqualTo(STEPS);
    assertThat(lastStep.get("loss").getAsDouble()).isEqualTo(steps.get(STEPS - 1).loss);
    assertThat(lastStep.getAsJsonObject("terms").get("original").getAsDouble())
        .isEqualTo(steps.get(STEPS - 1).loss);
    assertThat(reports).containsOnlyKeys(0L, 80L, 160L, 200L);
    // the label-free measures at the same steps (quality-every defaults to eval-every), on the
    // first batch at step 0 and on the last 512 images after
    assertThat(quality).containsOnlyKeys(0L, 80L, 160L, 200L);
    assertThat(quality.get(0L).get("window").getAsInt()).isEqualTo(c.training().batchSize());
    assertThat(quality.get(200L).get("window").getAsInt()).isEqualTo(512);
    for (JsonObject q : quality.values()) {
      assertThat(q.get("collapsed").getAsBoolean()).as(q.toString()).isFalse();
      assertThat(q.get("rankme").getAsDouble()).isBetween(1.0, 128.0);
      assertThat(q.get("alignment").getAsDouble()).isBetween(0.0, 4.0);
      assertThat(q.get("uniformity").getAsDouble()).isBetween(-4.0, 0.0);
    }
    // trained, the embeddings spread out from the random network's (RESULTS.md: as kNN rises)
    assertThat(quality.get(200L).get("embedding_std").getAsDouble())
        .isGreaterThan(quality.get(0L).get("embedding_std").getAsDouble());
    assertThat(quality.get(200L).get("uniformity").getAsDouble())
        .isLessThan(quality.get(0L).get("uniformity").getAsDouble());
    double floor = reports.get(0L).get("accuracy").getAsDouble();
    double last = reports.get(200L).get("accuracy").getAsDouble();
    System.out.printf(
        "kNN top-1: floor %.3f, step 160 %.3f, step 200 %.3f%n",
        floor, reports.get(160L).get("accuracy").getAsDouble(), last);
    assertThat(reports.get(200L).get("bank_size").getAsInt()).isEqualTo(BANK);
    assertThat(reports.get(200L).get("test_size").getAsInt()).isEqualTo(TEST);
    assertThat(reports.get(200L).get("method").getAsString()).isEqualTo("moco");
    assertThat(last)
        .as("kNN after %d steps vs the random-init floor", STEPS)
        .isGreaterThan(floor + 0.04);

    // the snapshot files, loaded back, give the embeddings the topic carries, and the slow kNN
    // over them gives the accuracy the evaluator reported
    Map<String, EmbeddingRecord> streamed = new HashMap<>();
    Map<String, EmbeddingRecord> incoming = new HashMap<>(); // training images at step 80
    for (ConsumerRecord<byte[], byte[]> r :
        StreamingJobTest.consume(broker, "embeddings", 4 * (BANK + TEST) + 2 * BATCH)) {
      EmbeddingRecord e = EmbeddingCodec.decode(r.value());
      if (e.step() == STEPS) {
        streamed.put(e.imageId(), e);
      }
      int index = Integer.parseInt(e.imageId().substring(e.imageId().lastIndexOf('-') + 1));
      if (e.step() == EVERY && e.imageId().startsWith("cifar10-train") && index >= BANK) {
        incoming.put(e.imageId(), e);
      }
    }
    // --embed-incoming: the batch of each snapshot step, by that step's encoder
    assertThat(incoming).hasSize(BATCH);
    EncoderSnapshot at80 =
        EncoderSnapshot.fromSafetensors(
            Files.readAllBytes(SnapshotDirectory.file(snapshots, "default", EVERY)));
    try (LoadedEncoder encoder = new LoadedEncoder(at80, Device.cpu())) {
      List<String> ids = new ArrayList<>(incoming.keySet());
      byte[][] px =
          ids.stream()
              .map(id -> train.pixels(Integer.parseInt(id.substring(id.lastIndexOf('-') + 1))))
              .toArray(byte[][]::new);
      float[] mine = encoder.embed(px);
      for (int i = 0; i < ids.size(); i++) {
        assertThat(incoming.get(ids.get(i)).vector())
            .containsExactly(java.util.Arrays.copyOfRange(mine, i * 128, (i + 1) * 128));
        assertThat(incoming.get(ids.get(i)).label())
            .isEqualTo(
                train.label(
                    Integer.parseInt(ids.get(i).substring(ids.get(i).lastIndexOf('-') + 1))));
      }
    }
    assertThat(streamed).hasSize(BANK + TEST);
    for (long step : List.of(0L, 80L, 160L, 200L)) {
      Path file = SnapshotDirectory.file(snapshots, "default", step);
      assertThat(file).exists();
      assertThat(
              Files.readString(
                  file.resolveSibling(
                      file.getFileName().toString().replace(".safetensors", ".json"))))
          .contains("\"step\": " + step, "\"method\": \"moco\"", "\"width\": 8");
    }
    EncoderSnapshot last200 =
        EncoderSnapshot.fromSafetensors(
            Files.readAllBytes(SnapshotDirectory.file(snapshots, "default", STEPS)));
    byte[][] bankPixels = IntStream.range(0, BANK).mapToObj(train::pixels).toArray(byte[][]::new);
    byte[][] testPixels = IntStream.range(0, TEST).mapToObj(test::pixels).toArray(byte[][]::new);
    float[] bankFeatures;
    float[] testFeatures;
    try (LoadedEncoder encoder = new LoadedEncoder(last200, Device.cpu())) {
      bankFeatures = encoder.embed(bankPixels);
      testFeatures = encoder.embed(testPixels);
    }
    int dim = 128;
    for (int i = 0; i < TEST; i++) {
      float[] mine = java.util.Arrays.copyOfRange(testFeatures, i * dim, (i + 1) * dim);
      assertThat(streamed.get(test.id(i)).vector()).as(test.id(i)).containsExactly(mine);
    }
    int[] bankLabels = IntStream.range(0, BANK).map(train::label).toArray();
    int[] predicted =
        KnnClassifierTest.slowPredict(bankFeatures, bankLabels, testFeatures, dim, 200, 0.1);
    long correct = IntStream.range(0, TEST).filter(i -> predicted[i] == test.label(i)).count();
    assertThat(last).isCloseTo(correct / (double) TEST, within(1e-9));
  }
}
