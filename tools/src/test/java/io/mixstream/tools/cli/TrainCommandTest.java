package io.mixstream.tools.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.mixstream.cifar.Cifar10Dataset;
import io.mixstream.cifar.Cifar10Reader;
import io.mixstream.cifar.CifarSplit;
import io.mixstream.kafka.LocalKafkaBroker;
import io.mixstream.net.LocalPorts;
import io.mixstream.records.ImageRecordCodec;
import io.mixstream.testing.SharedData;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * `mixstream train` as a new user met it: Ctrl-C used to lose the training, and a missing topic, a
 * closed port or a bad --device came out as hundreds of lines from inside a restarting job.
 */
@Tag("integration")
class TrainCommandTest {
  @TempDir static Path tmp;
  static LocalKafkaBroker broker;
  static Cifar10Dataset cifar;

  @BeforeAll
  static void start() throws Exception {
    broker = LocalKafkaBroker.start(tmp.resolve("kafka"), 0);
    cifar = Cifar10Reader.read(SharedData.cifar10(), CifarSplit.TEST);
  }

  @AfterAll
  static void stop() {
    broker.close();
  }

  private static void produce(String topic, int from, int n) throws Exception {
    ImageRecordCodec codec = ImageRecordCodec.withDefaults();
    try (KafkaProducer<byte[], byte[]> p =
        new KafkaProducer<>(
            Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers()),
            new ByteArraySerializer(),
            new ByteArraySerializer())) {
      for (int i = from; i < from + n; i++) {
        p.send(
                new ProducerRecord<>(
                    topic,
                    cifar.id(i).getBytes(StandardCharsets.UTF_8),
                    codec.encode(cifar.record(i))))
            .get();
      }
    }
  }

  private static List<String> trainArgs(Path checkpoints, String... more) throws Exception {
    List<String> args =
        new ArrayList<>(
            List.of(
                "train",
                "--bootstrap-servers",
                broker.bootstrapServers(),
                "--images-topic",
                "ctrl-c",
                "--width",
                "4",
                "--batch-size",
                "32",
                "--queue-size",
                "128",
                "--eval-every",
                "0",
                "--device",
                "cpu",
                "--checkpoint-interval",
                "1s",
                "--checkpoint-dir",
                checkpoints.toString(),
                "--snapshot-dir",
                tmp.resolve("ctrl-c-snapshots").toString(),
                "--rest-port",
                String.valueOf(LocalPorts.anyFree())));
    args.addAll(List.of(more));
    return args;
  }

  @Test
  void ctrlCStopsWithASavepointAndTheSameCommandResumesFromIt() throws Exception {
    Path checkpoints = tmp.resolve("ctrl-c-checkpoints");
    Files.createDirectories(checkpoints.resolve("mine"));
    Files.writeString(checkpoints.resolve("mine/notes.txt"), "a user's file");
    produce("ctrl-c", 0, 20 * 32);
    try (MixstreamProcess first =
        MixstreamProcess.start(trainArgs(checkpoints).toArray(String[]::new))) {
      first.awaitOutput("default step 20 (epoch 1)", Duration.ofMinutes(3));
      first.terminate(); // Ctrl-C
      assertThat(first.awaitExit(Duration.ofMinutes(3))).as(first.output()).isNotNegative();
      assertThat(first.output())
          .contains("stopped after 20 steps; savepoint " + checkpoints.resolve("savepoints"))
          .contains("the same command resumes from it")
          // Flink's committers re-registered a gauge at every checkpoint (log4j2.properties)
          .doesNotContain("Name collision");
    }
    assertThat(savepoints(checkpoints)).hasSize(1);

    produce("ctrl-c", 20 * 32, 10 * 32);
    try (MixstreamProcess second =
        MixstreamProcess.start(trainArgs(checkpoints).toArray(String[]::new))) {
      second.awaitOutput("default step 30 (epoch 1)", Duration.ofMinutes(3));
      second.terminate();
      assertThat(second.awaitExit(Duration.ofMinutes(3))).isNotNegative();
      assertThat(second.output())
          .contains("resuming the model from " + checkpoints.resolve("savepoints"))
          .doesNotContain("default step 1 (epoch 1)")
          .doesNotContain("default step 10 (epoch 1)")
          .contains("stopped after 30 steps");
    }
    assertThat(savepoints(checkpoints)).as("the newest savepoint only").hasSize(1);
    try (Stream<Path> left = Files.list(checkpoints)) {
      assertThat(left.map(p -> p.getFileName().toString()))
          .as("superseded checkpoints deleted, the user's folder kept")
          .containsExactlyInAnyOrder(
              "savepoints", "mine", "model-config.properties", ".mixstream.lock");
    }

    Capture otherWidth = Capture.run(trainArgs(checkpoints, "--width", "8"));
    assertThat(otherWidth.rc()).isEqualTo(1);
    assertThat(otherWidth.err()).contains("width 4 (asked: 8)").contains("--fresh");

    Capture fresh =
        Capture.run(trainArgs(checkpoints, "--width", "8", "--fresh", "--bounded", "true"));
    assertThat(fresh.rc()).as(fresh.err()).isZero();
    assertThat(fresh.out())
        .contains("job config (secrets masked): {bootstrapServers=" + broker.bootstrapServers())
        .doesNotContain("resuming the model")
        .contains("default step 1 (epoch 1)")
        .contains("the job finished after 30 steps");
    assertThat(checkpoints.resolve("mine/notes.txt")).exists();
  }

  @Test
  void aMissingTopicIsNamedWithHowToPublishItBeforeTheJobStarts() throws Exception {
    Capture r = Capture.run(trainArgs(tmp.resolve("missing"), "--images-topic", "no-such-topic"));
    assertThat(r.rc()).isEqualTo(1);
    assertThat(r.err())
        .contains(
            "topic no-such-topic (--images-topic) does not exist at " + broker.bootstrapServers())
        .contains("mixstream replay");
    assertThat(r.err().lines().count()).as(r.err()).isLessThanOrEqualTo(2);
    assertThat(r.out()).doesNotContain("Flink dashboard");
  }

  @Test
  void aClosedPortIsReportedWithinTheTimeout() throws Exception {
    String closed = "127.0.0.1:" + LocalPorts.anyFree();
    List<String> args = trainArgs(tmp.resolve("closed"), "--timeout", "3");
    args.set(args.indexOf(broker.bootstrapServers()), closed);
    long start = System.nanoTime();
    Capture r = Capture.run(args);
    assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(30));
    assertThat(r.rc()).isEqualTo(1);
    assertThat(r.err()).contains("no Kafka broker answered at " + closed + " within 3s");
    assertThat(r.err().lines().count()).as(r.err()).isLessThanOrEqualTo(2);
  }

  @Test
  void aDashboardPortInUseIsNamedBeforeFlinkStarts() throws Exception {
    List<String> args = trainArgs(tmp.resolve("rest"));
    int port = Integer.parseInt(args.get(args.size() - 1));
    try (java.net.ServerSocket taken =
        new java.net.ServerSocket(port, 1, java.net.InetAddress.getLoopbackAddress())) {
      Capture r = Capture.run(args);
      assertThat(r.rc()).isEqualTo(1);
      assertThat(r.err()).contains("--rest-port " + port + ": 127.0.0.1:" + port + " is in use");
      assertThat(r.out()).doesNotContain("Flink dashboard");
    }
    Capture config = Capture.run("train", "--config", tmp.resolve("none.properties").toString());
    assertThat(config.err()).contains("none.properties: no such file");
  }

  @Test
  void oneCommandTrainsTwoModelsSideBySide() throws Exception {
    produce("two-models", 0, 10 * 32);
    Path checkpoints = tmp.resolve("two-models-checkpoints");
    Capture both =
        Capture.run(
            trainArgs(
                checkpoints,
                "--images-topic",
                "two-models",
                "--models",
                "moco,unmix",
                "--bounded",
                "true"));
    assertThat(both.rc()).as(both.err()).isZero();
    assertThat(both.out())
        .contains("models share")
        .contains("moco step 10 (epoch 1)")
        .contains("unmix step 10 (epoch 1)")
        .contains("the job finished after 10 steps");
  }

  @Test
  void aDivergingRunStopsWithOneLineKeepsOnlyFiniteSnapshotsAndResumesAtALowerRate()
      throws Exception {
    produce("diverge", 0, 16 * 32);
    Path checkpoints = tmp.resolve("diverge-checkpoints");
    Path snapshots = tmp.resolve("diverge-snapshots");
    List<String> args =
        trainArgs(
            checkpoints,
            "--images-topic",
            "diverge",
            "--metrics-topic",
            "diverge-metrics",
            "--bounded",
            "true",
            "--eval-every",
            "1",
            "--knn-bank-size",
            "0",
            "--snapshot-dir",
            snapshots.toString());
    List<String> diverging = new ArrayList<>(args);
    diverging.addAll(List.of("--base-lr", "1e6"));
    try (MixstreamProcess run = MixstreamProcess.start(diverging.toArray(String[]::new))) {
      assertThat(run.awaitExit(Duration.ofMinutes(3))).as(run.output()).isEqualTo(1);
      String out = run.output();
      assertThat(out)
          .contains("train: model default diverged at step ")
          .contains("the same command with --base-lr 100000.0")
          .doesNotContain("the job finished");
      assertThat(out.lines().filter(l -> l.startsWith("\tat ") || l.contains("Exception")))
          .as("no stack trace:%n%s", out)
          .isEmpty();
    }
    List<Path> written;
    try (Stream<Path> files = Files.list(snapshots.resolve("default"))) {
      written = files.filter(f -> f.toString().endsWith(".safetensors")).sorted().toList();
    }
    assertThat(written).as("the snapshots before the divergence").isNotEmpty();
    for (Path f : written) {
      assertThat(
              io.mixstream.snapshot.EncoderSnapshot.fromSafetensors(Files.readAllBytes(f))
                  .firstNonFinite())
          .as(f.toString())
          .isEmpty();
    }
    Capture models =
        Capture.run(
            "models",
            "--bootstrap",
            broker.bootstrapServers(),
            "--topic",
            "diverge-metrics",
            "--timeout",
            "20");
    long lastSnapshot =
        Long.parseLong(
            written.get(written.size() - 1).getFileName().toString().replaceAll("\\D", ""));
    assertThat(models.rc()).as(models.err()).isZero();
    String row =
        models.out().lines().filter(l -> l.startsWith("default ")).findFirst().orElseThrow();
    long reached = Long.parseLong(row.trim().split("\\s+")[2]);
    assertThat(reached)
        .as("the step reached, as the metrics say: " + row)
        .isBetween(lastSnapshot, 15L);

    List<String> lower = new ArrayList<>(args);
    lower.addAll(List.of("--base-lr", "0.06"));
    try (MixstreamProcess resumed = MixstreamProcess.start(lower.toArray(String[]::new))) {
      assertThat(resumed.awaitExit(Duration.ofMinutes(3))).as(resumed.output()).isZero();
      assertThat(resumed.output())
          .contains("the job finished after 16 steps")
          // a bounded input's end declined a checkpoint or two, each a 45-line WARN before
          .doesNotContain("Exception")
          .doesNotContain("CheckpointFailureManager");
    }
  }

  @Test
  void aSecondTrainOnTheSameCheckpointFolderIsRefusedAndAKilledOneLeavesNothingHeld()
      throws Exception {
    produce("second-copy", 0, 4 * 32);
    Path checkpoints = tmp.resolve("second-copy-checkpoints");
    List<String> args = trainArgs(checkpoints, "--images-topic", "second-copy");
    try (MixstreamProcess first = MixstreamProcess.start(args.toArray(String[]::new))) {
      first.awaitOutput("default step 1 (epoch 1)", Duration.ofMinutes(3));
      Capture second = Capture.run(trainArgs(checkpoints, "--images-topic", "second-copy"));
      assertThat(second.rc()).isEqualTo(1);
      assertThat(second.err())
          .contains("--checkpoint-dir " + checkpoints + " is in use by another run (process ")
          .contains("stop that one first");
      assertThat(second.err().lines().count()).as(second.err()).isLessThanOrEqualTo(2);
      first.close(); // kill -9
      first.awaitExit(Duration.ofMinutes(1));
    }
    Capture after =
        Capture.run(trainArgs(checkpoints, "--images-topic", "second-copy", "--bounded", "true"));
    assertThat(after.rc()).as("the killed run held nothing: " + after.err()).isZero();
  }

  @Test
  void anUnknownDeviceIsRefusedAtStart() throws Exception {
    Capture r = Capture.run(trainArgs(tmp.resolve("device"), "--device", "tpu"));
    assertThat(r.rc()).isEqualTo(1);
    assertThat(r.err()).contains("device must be auto, cpu, gpu or gpu:N, got 'tpu'");
    assertThat(r.err().lines().count()).as(r.err()).isLessThanOrEqualTo(2);
  }

  private static List<Path> savepoints(Path checkpoints) throws Exception {
    try (Stream<Path> s = Files.list(checkpoints.resolve("savepoints"))) {
      return s.toList();
    }
  }
}
