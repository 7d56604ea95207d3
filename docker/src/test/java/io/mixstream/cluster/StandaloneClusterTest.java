package io.mixstream.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import io.mixstream.cifar.Cifar10Dataset;
import io.mixstream.cifar.Cifar10Reader;
import io.mixstream.cifar.CifarSplit;
import io.mixstream.kafka.LocalKafkaBroker;
import io.mixstream.records.ImageRecordCodec;
import io.mixstream.records.MetricsCodec;
import io.mixstream.records.MetricsRecord;
import io.mixstream.testing.SharedData;
import io.mixstream.tools.cluster.FlinkRest;
import io.mixstream.tools.cluster.StandaloneCluster;
import io.mixstream.train.TrainedDigest;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.Future;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The job on a standalone Flink cluster of separate processes (a JobManager and two TaskManagers of
 * one slot each), submitted through the REST API as a jar, twice. The second run trains two models,
 * whose trainers run on different TaskManagers; one of those is killed mid-run, a replacement
 * starts, and the job recovers from its last checkpoint: both models finish with every batch
 * trained once, in their steps and in the digest of their checkpointed state.
 */
@Tag("integration")
class StandaloneClusterTest {
  static final String MAIN = "io.mixstream.job.MixstreamJob";
  static final int BATCH = 32;

  @TempDir Path tmp;

  @Test
  void submittedTwiceAndSurvivesATaskManagerKilledMidRun() throws Exception {
    List<String> entries =
        Arrays.asList(
            Files.readString(Path.of(System.getProperty("mixstream.clusterClasspath")))
                .trim()
                .split(":"));
    Path jobJar =
        Path.of(entries.stream().filter(e -> e.endsWith("-flink.jar")).findFirst().orElseThrow());
    // the cluster's own class path: Flink, RocksDB, DJL and logging; never the job's code or the
    // Kafka connector, which travel in the submitted jar as on a real Flink distribution
    String clusterClasspath =
        entries.stream()
            .filter(e -> e.endsWith(".jar") && !e.contains("mixstream") && !e.contains("/target/"))
            .filter(e -> !e.contains("/org/apache/kafka/") && !e.contains("flink-connector-kafka"))
            .filter(
                e -> !e.contains("junit") && !e.contains("assertj") && !e.contains("opentest4j"))
            .collect(Collectors.joining(":"));

    int steps = 120;
    try (LocalKafkaBroker broker = LocalKafkaBroker.start(tmp.resolve("kafka"), 0)) {
      Cifar10Dataset train = Cifar10Reader.read(SharedData.cifar10(), CifarSplit.TRAIN);
      produce(broker, "first", train, 4 * BATCH);
      produce(broker, "second", train, steps * BATCH);

      try (StandaloneCluster cluster =
          new StandaloneCluster(tmp.resolve("cluster"), clusterClasspath, 1)) {
        cluster.startTaskManager("tm-1");
        cluster.startTaskManager("tm-2");
        FlinkRest rest = new FlinkRest(cluster.restUrl());
        try {
          runJobs(broker, cluster, rest, jobJar, steps, train);
        } catch (AssertionError | Exception e) {
          throw new AssertionError(e.getMessage() + "\nprocess logs:" + cluster.tails(), e);
        }
      }
    }
  }

  private static void runJobs(
      LocalKafkaBroker broker,
      StandaloneCluster cluster,
      FlinkRest rest,
      Path jobJar,
      int steps,
      Cifar10Dataset train)
      throws Exception {
    rest.await(
        "/taskmanagers",
        o -> o.getAsJsonArray("taskmanagers").size() == 2,
        Duration.ofSeconds(120));
    String jar = rest.uploadJar(jobJar);

    String first = rest.run(jar, MAIN, args(broker, "first"));
    awaitState(rest, first, "FINISHED", Duration.ofSeconds(180));
    assertThat(trainSteps(broker, "first-metrics", 4, "default")).containsExactly(1L, 2L, 3L, 4L);

    // the same jar again: DJL, loaded once per TaskManager, must not be loaded twice
    List<String> twoModels = new ArrayList<>(args(broker, "second"));
    twoModels.addAll(List.of("--models", "moco,approach2"));
    String second = rest.run(jar, MAIN, twoModels);
    awaitState(rest, second, "RUNNING", Duration.ofSeconds(120));
    String decode = vertex(rest, second, "decode and validate images");
    String trainer = vertex(rest, second, "train moco, approach2");
    Set<String> decodeHosts =
        taskManagers(
            rest.await(
                "/jobs/" + second + "/vertices/" + decode + "/taskmanagers",
                o -> !taskManagers(o).contains("(unassigned)"),
                Duration.ofSeconds(60)));
    assertThat(decodeHosts)
        .as("decoders spread over both TaskManagers")
        .containsExactlyInAnyOrder("tm-1", "tm-2");
    Set<String> trainerHosts =
        taskManagers(
            rest.await(
                "/jobs/" + second + "/vertices/" + trainer + "/taskmanagers",
                o -> !taskManagers(o).contains("(unassigned)"),
                Duration.ofSeconds(60)));
    assertThat(trainerHosts)
        .as("each model's trainer on a TaskManager of its own")
        .containsExactlyInAnyOrder("tm-1", "tm-2");
    String trainerHost = "tm-1";

    // kill a trainer's TaskManager once a checkpoint is complete and training is under way
    long killedAfter = -1;
    long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
    while (killedAfter < 0 && System.nanoTime() < deadline) {
      int completed =
          rest.get("/jobs/" + second + "/checkpoints")
              .getAsJsonObject("counts")
              .get("completed")
              .getAsInt();
      List<Long> done = trainSteps(broker, "second-metrics", 0, "moco");
      long step = done.isEmpty() ? 0 : done.get(done.size() - 1);
      assertThat(step).as("the run ended before the kill").isLessThan(steps);
      if (completed >= 1 && step >= 20) {
        cluster.kill(trainerHost);
        killedAfter = step;
      } else {
        Thread.sleep(200);
      }
    }
    assertThat(killedAfter).as("a checkpoint and 20 steps within 2 minutes").isPositive();
    System.out.printf("killed %s (a trainer's) after step %d of moco%n", trainerHost, killedAfter);
    cluster.startTaskManager("tm-3"); // its replacement: the job needs both slots

    awaitState(rest, second, "FINISHED", Duration.ofSeconds(300));
    JsonObject exceptions = rest.get("/jobs/" + second + "/exceptions");
    assertThat(exceptions.getAsJsonObject("exceptionHistory").getAsJsonArray("entries"))
        .as("the job failed over")
        .isNotEmpty();
    Map<String, MetricsRecord.Final> ends = finalRecords(broker, "second-metrics");
    assertThat(ends).containsOnlyKeys("moco", "approach2");
    long replayed = 0;
    for (int i = 0; i < steps * BATCH; i++) {
      replayed += TrainedDigest.hash(train.id(i), 1);
    }
    for (String model : List.of("moco", "approach2")) {
      List<Long> all = trainSteps(broker, "second-metrics", steps, model);
      TreeSet<Long> distinct = new TreeSet<>(all);
      assertThat(distinct.first()).isEqualTo(1);
      assertThat(distinct.last()).as("%s: every batch trained", model).isEqualTo(steps);
      assertThat(distinct).hasSize(steps);
      // the state's own account: each image once, rolled back with the rest at the restore
      assertThat(ends.get(model).step()).isEqualTo(steps);
      assertThat(ends.get(model).trainedDigestCount()).isEqualTo((long) steps * BATCH);
      assertThat(ends.get(model).trainedDigestSum())
          .as("%s: the digest of every replayed image, once", model)
          .isEqualTo(replayed);
      System.out.printf(
          "%s: %d step records for %d steps: %d steps since the last checkpoint trained again%n",
          model, all.size(), steps, all.size() - steps);
    }
  }

  private static List<String> args(LocalKafkaBroker broker, String topic) {
    return List.of(
        "--bootstrap-servers",
        broker.bootstrapServers(),
        "--images-topic",
        topic,
        "--dead-letter-topic",
        topic + "-dead",
        "--metrics-topic",
        topic + "-metrics",
        "--group-id",
        topic,
        "--bounded",
        "true",
        "--width",
        "16", // slow enough to be killed mid-run
        "--batch-size",
        Integer.toString(BATCH),
        "--queue-size",
        "128",
        "--device",
        "cpu",
        "--eval-every",
        "0",
        "--decode-parallelism",
        "2",
        "--checkpoint-interval",
        "300ms",
        "--checkpoint-dir",
        "/tmp/mixstream-cluster-test-checkpoints/" + topic + System.nanoTime());
  }

  private static void awaitState(FlinkRest rest, String job, String state, Duration timeout)
      throws Exception {
    rest.await(
        "/jobs/" + job,
        o -> {
          String s = o.get("state").getAsString();
          if (s.equals("FAILED") || (s.equals("FINISHED") && !state.equals("FINISHED"))) {
            throw new AssertionError("job " + job + " is " + s + " while waiting for " + state);
          }
          return s.equals(state);
        },
        timeout);
  }

  private static String vertex(FlinkRest rest, String job, String nameContains) throws Exception {
    for (JsonElement v : rest.get("/jobs/" + job).getAsJsonArray("vertices")) {
      if (v.getAsJsonObject().get("name").getAsString().contains(nameContains)) {
        return v.getAsJsonObject().get("id").getAsString();
      }
    }
    throw new AssertionError("no vertex *" + nameContains + "* in job " + job);
  }

  private static Set<String> taskManagers(JsonObject vertexTaskManagers) {
    Set<String> out = new HashSet<>();
    for (JsonElement t : vertexTaskManagers.getAsJsonArray("taskmanagers")) {
      out.add(t.getAsJsonObject().get("taskmanager-id").getAsString());
    }
    return out;
  }

  /**
   * {@code n} images to a new topic of two partitions, so that both readers have work, and the
   * job's metrics topic.
   */
  private static void produce(LocalKafkaBroker broker, String topic, Cifar10Dataset d, int n)
      throws Exception {
    try (Admin admin =
        Admin.create(
            Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers()))) {
      admin
          .createTopics(
              List.of(
                  new NewTopic(topic, 2, (short) 1),
                  new NewTopic(topic + "-metrics", 1, (short) 1)))
          .all()
          .get();
    }
    ImageRecordCodec codec = ImageRecordCodec.withDefaults();
    try (KafkaProducer<byte[], byte[]> p =
        new KafkaProducer<>(
            Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers()),
            new ByteArraySerializer(),
            new ByteArraySerializer())) {
      List<Future<?>> sent = new ArrayList<>();
      for (int i = 0; i < n; i++) {
        sent.add(
            p.send(
                new ProducerRecord<>(
                    topic, d.id(i).getBytes(StandardCharsets.UTF_8), codec.encode(d.record(i)))));
      }
      for (Future<?> f : sent) {
        f.get();
      }
    }
  }

  /** Each model's record of type final on the metrics topic (the later of any copies). */
  private static Map<String, MetricsRecord.Final> finalRecords(
      LocalKafkaBroker broker, String topic) {
    Map<String, MetricsRecord.Final> out = new java.util.TreeMap<>();
    for (MetricsRecord r : metrics(broker, topic, 0, r -> r instanceof MetricsRecord.Final)) {
      out.put(r.model(), (MetricsRecord.Final) r);
    }
    return out;
  }

  /**
   * The step of every type=train record of {@code model} on the metrics topic, in order (at least
   * {@code min}; none yet is fine for 0).
   */
  private static List<Long> trainSteps(
      LocalKafkaBroker broker, String topic, int min, String model) {
    return metrics(
            broker, topic, min, r -> r instanceof MetricsRecord.Train && r.model().equals(model))
        .stream()
        .map(MetricsRecord::step)
        .toList();
  }

  /** The records on the metrics topic that {@code which} takes, in order (at least {@code min}). */
  private static List<MetricsRecord> metrics(
      LocalKafkaBroker broker,
      String topic,
      int min,
      java.util.function.Predicate<MetricsRecord> which) {
    List<MetricsRecord> steps = new ArrayList<>();
    try (KafkaConsumer<byte[], byte[]> c =
        new KafkaConsumer<>(
            Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers()),
            new ByteArrayDeserializer(),
            new ByteArrayDeserializer())) {
      TopicPartition tp = new TopicPartition(topic, 0);
      c.assign(List.of(tp));
      c.seekToBeginning(List.of(tp));
      long end = c.endOffsets(List.of(tp)).get(tp); // what is there now, not what comes later
      long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
      while (System.nanoTime() < deadline) {
        c.poll(Duration.ofMillis(300))
            .forEach(
                r -> {
                  MetricsRecord m =
                      MetricsCodec.decode(new String(r.value(), StandardCharsets.UTF_8));
                  if (which.test(m)) {
                    steps.add(m);
                  }
                });
        if (c.position(tp) >= end) {
          if (steps.size() >= min) {
            break;
          }
          end = c.endOffsets(List.of(tp)).get(tp); // fewer than min so far: wait for more
        }
      }
    }
    return steps;
  }
}
