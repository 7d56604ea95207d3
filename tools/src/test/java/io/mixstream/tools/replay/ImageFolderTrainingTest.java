package io.mixstream.tools.replay;

import static org.assertj.core.api.Assertions.assertThat;

import io.mixstream.cifar.Cifar10Reader;
import io.mixstream.cifar.CifarSplit;
import io.mixstream.config.EvaluationConfig;
import io.mixstream.config.JobConfig;
import io.mixstream.config.Stem;
import io.mixstream.config.TrainingConfig;
import io.mixstream.job.MixstreamJob;
import io.mixstream.job.training.StepResult;
import io.mixstream.kafka.LocalKafkaBroker;
import io.mixstream.records.MetricsCodec;
import io.mixstream.records.MetricsRecord;
import io.mixstream.testing.SharedData;
import io.mixstream.testing.TopicRecords;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * A user's folder of photos end to end: real CIFAR-10 images written as PNG and JPEG files of mixed
 * sizes (40–128 px, some grey, some not square) under class subfolders, plus a corrupt file;
 * replayed into the real broker and trained by the real job at 64 px with each stem and at 96 with
 * the imagenet stem, the kNN monitor evaluating the same folder's train/ and test/ files.
 */
@Tag("integration")
class ImageFolderTrainingTest {
  @TempDir static Path tmp;
  static LocalKafkaBroker broker;
  static Path folder;
  static Set<String> trainIds;

  @BeforeAll
  static void start() throws Exception {
    broker = LocalKafkaBroker.start(tmp.resolve("kafka"), 0);
    var cifar = Cifar10Reader.read(SharedData.cifar10(), CifarSplit.TEST);
    folder = tmp.resolve("photos");
    trainIds =
        CifarFiles.write(cifar, folder.resolve("train"), 8, 7).stream()
            .map(CifarFiles.Written::id)
            .collect(Collectors.toSet());
    CifarFiles.write(cifar, 5000, folder.resolve("test"), 4, 8); // other images than train's
    Files.write(folder.resolve("train/dog/truncated.jpg"), new byte[] {(byte) 0xFF, (byte) 0xD8});
  }

  @AfterAll
  static void stop() {
    broker.close();
  }

  private static ReplaySummary replay(String split, String topic, int epochs) throws Exception {
    ByteArrayOutputStream log = new ByteArrayOutputStream();
    ImageFolder f =
        ImageFolder.open(folder, split, 0, 0, new PrintStream(log, true, StandardCharsets.UTF_8));
    ReplaySummary s =
        new Replayer(broker.bootstrapServers(), Map.of())
            .replay(
                f,
                ReplayPlan.to(topic).epochs(epochs).build(),
                new Progress(new PrintStream(new ByteArrayOutputStream()), "images", -1, false));
    if (split.equals("train")) {
      assertThat(log.toString(StandardCharsets.UTF_8))
          .contains("skipped " + folder.resolve("train/dog/truncated.jpg"));
      assertThat(s.skipped()).isEqualTo(1);
    }
    return s;
  }

  @ParameterizedTest
  @CsvSource({"64, cifar", "64, imagenet", "96, imagenet"})
  void everyFileTrainsAndTheMonitorEvaluatesAtThatSize(int side, String stem) throws Exception {
    String name = "photos-" + side + "-" + stem;
    assertThat(replay("train", name, 2).images()).isEqualTo(160);
    replay("train", name + "-bank", 1);
    replay("test", name + "-test", 1);

    JobConfig c = job(name, side, stem, 4, 5, 80, 40);

    List<StepResult> steps = run(c, name);
    assertThat(steps).hasSize(5);
    Set<String> trained = new HashSet<>();
    steps.forEach(s -> trained.addAll(List.of(s.imageIds)));
    assertThat(trained).as("every readable file, grey or not, square or not").isEqualTo(trainIds);
    steps.forEach(s -> assertThat(s.loss).isFinite().isPositive());

    List<MetricsRecord.Knn> knn = knn(c, 2);
    assertThat(knn).extracting(MetricsRecord.Knn::step).containsExactly(0L, 5L);
    for (MetricsRecord.Knn k : knn) {
      assertThat(k.bankSize()).isEqualTo(80);
      assertThat(k.testSize()).isEqualTo(40);
      assertThat(k.accuracy()).isBetween(0.0, 1.0);
    }
    System.out.printf(
        "%d px, %s stem: kNN %.3f at step 0, %.3f at step 5%n",
        side, stem, knn.get(0).accuracy(), knn.get(1).accuracy());
  }

  /**
   * Long enough to learn: 1,600 files of ten classes seen eight times at 64 px (imagenet stem,
   * width 16, batch 64), the kNN monitor on 400 other files; it ends above the random-init floor.
   */
  @org.junit.jupiter.api.Test
  void theMonitorSeesTheModelLearnFromAFolder() throws Exception {
    var cifar = Cifar10Reader.read(SharedData.cifar10(), CifarSplit.TEST);
    Path learn = tmp.resolve("learn");
    CifarFiles.write(cifar, 0, learn.resolve("train"), 160, 11);
    CifarFiles.write(cifar, 6000, learn.resolve("test"), 40, 12);
    String name = "learn";
    PrintStream quiet = new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8);
    Replayer replayer = new Replayer(broker.bootstrapServers(), Map.of());
    Progress none = new Progress(quiet, "images", -1, false);
    ImageFolder train = ImageFolder.open(learn, "train", 0, 0, quiet);
    replayer.replay(train, ReplayPlan.to(name).epochs(8).shuffled(1).build(), none);
    replayer.replay(train, ReplayPlan.to(name + "-bank").build(), none);
    replayer.replay(
        ImageFolder.open(learn, "test", 0, 0, quiet), ReplayPlan.to(name + "-test").build(), none);
    int steps = 12800 / 64;
    JobConfig c = job(name, 64, "imagenet", 16, steps / 2, 1600, 400);
    JobConfig.Builder b = c.toBuilder();
    TrainingConfig.Builder t = c.training().toBuilder();
    t.batchSize = 64;
    t.queueSize = 1024;
    // twice the 200-epoch recipe's step. Short runs are chaotic enough that the CPU's kernels
    // decide: at 0.24 and 50 steps it went 0.210 -> 0.193 -> 0.203 on a Zen 3 EPYC and to 0.245
    // elsewhere; at 0.12 and 50 steps 0.210 -> 0.235 -> 0.248 there and 0.210 -> 0.215 -> 0.180
    // on another EPYC (2026-12-06), where 200 steps went 0.210 -> 0.235 -> 0.235
    t.baseLr = 0.12;
    b.training = t.build();
    c = b.build();
    long t0 = System.nanoTime();
    assertThat(run(c, name)).hasSize(steps);
    List<MetricsRecord.Knn> knn = knn(c, steps + 3);
    System.out.printf(
        "a folder at 64 px: kNN %s in %.0f s%n",
        knn.stream().map(k -> "%d: %.3f".formatted(k.step(), k.accuracy())).toList(),
        (System.nanoTime() - t0) / 1e9);
    double floor = knn.get(0).accuracy();
    double last = knn.get(knn.size() - 1).accuracy();
    assertThat(knn.get(knn.size() - 1).step()).isEqualTo(steps);
    // deterministic on one machine (one partition, seeded draws), not across CPUs: the better of
    // the two evaluations after the floor must clear it by 8 of the 400 test images
    double best = Math.max(last, knn.get(knn.size() - 2).accuracy());
    assertThat(best).as("kNN after %d steps vs the floor", steps).isGreaterThan(floor + 0.02);
  }

  private static JobConfig job(
      String name, int side, String stem, int width, int every, int bank, int test) {
    TrainingConfig.Builder t = TrainingConfig.defaults().toBuilder();
    t.width = width;
    t.batchSize = 32;
    t.queueSize = 128;
    t.imageSize = side;
    t.stem = Stem.valueOf(stem.toUpperCase(java.util.Locale.ROOT));
    t.seed = 3;
    EvaluationConfig.Builder e =
        EvaluationConfig.defaults(tmp.resolve("snapshots-" + name)).toBuilder();
    e.evalEvery = every;
    e.knnBankTopic = name + "-bank";
    e.knnTestTopic = name + "-test";
    e.knnBankSize = bank;
    e.knnTestSize = test;
    e.metricsTopic = name + "-metrics";
    e.embeddingsTopic = name + "-embeddings";
    e.qualityEvery = 0; // the folder's labels reaching kNN is the point here
    JobConfig.Builder j =
        JobConfig.defaults(t.build(), tmp.resolve("checkpoints-" + name)).toBuilder();
    j.bootstrapServers = broker.bootstrapServers();
    j.imagesTopic = name;
    j.deadLetterTopic = name + "-dead";
    j.groupId = name;
    j.device = "cpu";
    j.checkpointInterval = Duration.ofSeconds(1);
    j.bounded = true;
    j.evaluation = e.build();
    return j.build().validate();
  }

  private static List<StepResult> run(JobConfig c, String name) throws Exception {
    StreamExecutionEnvironment env =
        StreamExecutionEnvironment.getExecutionEnvironment(MixstreamJob.flinkConfiguration(c));
    env.setParallelism(1);
    List<StepResult> steps = new ArrayList<>();
    try (var it = MixstreamJob.build(env, c).executeAndCollect(name)) {
      it.forEachRemaining(steps::add);
    }
    return steps;
  }

  /** The kNN records on the finished job's metrics topic ({@code expected} records at least). */
  private static List<MetricsRecord.Knn> knn(JobConfig c, int expected) {
    List<MetricsRecord.Knn> knn = new ArrayList<>();
    for (ConsumerRecord<byte[], byte[]> r :
        TopicRecords.read(
            broker.bootstrapServers(),
            c.evaluation().metricsTopic(),
            expected,
            Duration.ofSeconds(30))) {
      if (MetricsCodec.decode(new String(r.value(), StandardCharsets.UTF_8))
          instanceof MetricsRecord.Knn k) {
        knn.add(k);
      }
    }
    return knn;
  }
}
