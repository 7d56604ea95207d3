package io.mixstream.tools.chaos;

import io.mixstream.cifar.Cifar10Dataset;
import io.mixstream.config.EvaluationConfig;
import io.mixstream.config.JobConfig;
import io.mixstream.config.TrainingConfig;
import io.mixstream.kafka.LocalKafkaBroker;
import io.mixstream.tools.chaos.ChaosResult.Kill;
import io.mixstream.tools.chaos.ChaosResult.Moment;
import io.mixstream.tools.cluster.FlinkRest;
import io.mixstream.tools.cluster.LocalZooKeeper;
import io.mixstream.tools.cluster.StandaloneCluster;
import io.mixstream.tools.fuzz.HostileStream;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * Repeated faults on a real standalone cluster (a JobManager and two TaskManagers, separate JVMs)
 * training on a bounded stream of real CIFAR-10 with 5% hostile records, one partition: the
 * trainer's TaskManager SIGKILLed at moments aimed at a step, a checkpoint, a snapshot write and an
 * evaluation, a replacement started each time, and once the broker stopped and started again on its
 * data. Then the proof ({@link ChaosProof}), from the job's own outputs against an undisturbed run
 * of the same stream and seed on the same cluster: the final state's fingerprint, the trained
 * digest against the replayed one, every step's loss, the dead letters, the snapshots and the
 * TaskManagers' memory. This class sets up the broker, ZooKeeper and the cluster, publishes the
 * stream and runs the two jobs; {@link ChaosKills} does the kills.
 */
public final class ChaosRun {
  private static final int SPACING = ChaosPlan.SPACING;
  private static final int BATCH = ChaosPlan.BATCH;
  private static final int EVAL_EVERY = ChaosPlan.EVAL_EVERY;

  private final ChaosPlan plan;
  private final PrintStream progress;
  private final Random random;
  private LocalKafkaBroker broker;
  private int jobManagers = 1;

  private ChaosRun(ChaosPlan plan, PrintStream progress) {
    this.plan = plan;
    this.progress = progress;
    this.random = new Random(plan.seed());
  }

  /**
   * Runs the plan.
   *
   * @param train CIFAR-10's training images (the stream and the kNN bank)
   * @param test its test images (the kNN test set)
   * @param classpath the cluster processes' class path (this program's, which holds the job)
   */
  public static ChaosResult run(
      ChaosPlan plan,
      Cifar10Dataset train,
      Cifar10Dataset test,
      String classpath,
      PrintStream progress)
      throws Exception {
    return new ChaosRun(plan, progress).run(train, test, classpath);
  }

  private ChaosResult run(Cifar10Dataset train, Cifar10Dataset test, String classpath)
      throws Exception {
    Path work = plan.work();
    broker = LocalKafkaBroker.start(work.resolve("kafka"), 0);
    LocalZooKeeper zooKeeper = plan.ha() ? LocalZooKeeper.start(work.resolve("zookeeper")) : null;
    Map<String, String> settings = new HashMap<>();
    if (zooKeeper != null) {
      settings.put("high-availability.type", "zookeeper");
      settings.put("high-availability.zookeeper.quorum", zooKeeper.quorum());
      settings.put("high-availability.storageDir", work.resolve("ha").toUri().toString());
      settings.put("high-availability.cluster-id", "/mixstream-chaos");
      // a dead leader's ZooKeeper session, and with it its leadership, ends this soon
      settings.put("high-availability.zookeeper.client.session-timeout", "6 s");
      settings.put("high-availability.zookeeper.client.connection-timeout", "5 s");
      settings.put("zookeeper.sasl.disable", "true"); // the local server has no SASL: no noise
    }
    try (StandaloneCluster cluster =
        new StandaloneCluster(work.resolve("cluster"), classpath, 2, settings)) {
      try {
        if (plan.ha()) {
          cluster.startJobManager("jobmanager-" + ++jobManagers);
        }
        return runOn(cluster, train, test);
      } catch (Exception | AssertionError e) {
        throw new IllegalStateException(e + "\nprocess logs:" + cluster.tails(), e);
      }
    } finally {
      broker.close();
      if (zooKeeper != null) {
        zooKeeper.close();
      }
    }
  }

  private ChaosResult runOn(StandaloneCluster cluster, Cifar10Dataset train, Cifar10Dataset test)
      throws Exception {
    int steps = plan.steps();
    createTopics();
    // 1 in 20 records hostile: 5%
    int hostile = steps * BATCH / 19;
    HostileStream.Sent sent =
        HostileStream.send(broker, "images", train, hostile, 20, BATCH, plan.seed());
    publish("knn-bank", train, 500);
    publish("knn-test", test, 200);
    int trainedSteps = sent.validIds().size() / BATCH;
    progress.printf(
        "stream: %d records, %d valid (%d steps of %d), %d refused by the codec%n",
        sent.records(), sent.validIds().size(), trainedSteps, BATCH, sent.invalidOffsets().size());

    int taskManagers = 0;
    cluster.startTaskManager("tm-" + ++taskManagers);
    cluster.startTaskManager("tm-" + ++taskManagers);
    FlinkRest rest = new FlinkRest(() -> cluster.liveRestUrls().values());
    rest.await(
        "/taskmanagers",
        o -> o.getAsJsonArray("taskmanagers").size() == 2,
        Duration.ofSeconds(120));

    long t0 = System.nanoTime();
    String reference = submit(cluster, rest, job("reference"));
    awaitFinished(rest, reference, Duration.ofMinutes(10));
    double referenceSeconds = (System.nanoTime() - t0) / 1e9;
    progress.printf("undisturbed run: finished in %.1f s%n", referenceSeconds);
    // every TaskManager of the disturbed run starts fresh, so that their memory compares
    cluster.stop("tm-1");
    cluster.stop("tm-2");
    cluster.startTaskManager("tm-" + ++taskManagers);
    cluster.startTaskManager("tm-" + ++taskManagers);
    rest.await(
        "/taskmanagers",
        o -> o.getAsJsonArray("taskmanagers").size() == 2,
        Duration.ofSeconds(120));

    t0 = System.nanoTime();
    List<Kill> kills = new ArrayList<>();
    boolean brokerRestarted = false;
    String chaos = submit(cluster, rest, job("chaos"));
    try (MetricsTail tail = new MetricsTail(broker.bootstrapServers(), "chaos-metrics")) {
      ChaosKills killer =
          new ChaosKills(cluster, rest, chaos, tail, random, checkpointDir("chaos"));
      List<Moment> moments = moments(plan.kills());
      for (int i = 0; i < plan.kills(); i++) {
        if (plan.restartBroker() && !brokerRestarted && i >= plan.kills() / 2) {
          restartBroker(tail);
          brokerRestarted = true;
        }
        long target = 2L * SPACING + (long) i * SPACING + random.nextInt(SPACING / 2);
        Kill k = killer.killAt(i + 1, moments.get(i), target);
        if (k == null) {
          progress.printf("the stream ended before kill %d%n", i + 1);
          break;
        }
        kills.add(k);
        String replacement;
        if (k.aimedAt() == Moment.JOB_MANAGER) {
          replacement = "jobmanager-" + ++jobManagers;
          cluster.startJobManager(replacement);
        } else {
          replacement = "tm-" + ++taskManagers;
          cluster.startTaskManager(replacement);
        }
        progress.printf(
            "kill %d/%d %s: %s at step %d%s (rss %d MiB), replaced by %s; training again %.1f s"
                + " later%n",
            k.number(),
            plan.kills(),
            k.aimedAt(),
            k.process(),
            k.step(),
            k.checkpointInProgress() ? ", a checkpoint in progress" : "",
            k.rssBytes() >> 20,
            replacement,
            k.secondsToNextStep());
      }
      if (plan.restartBroker() && !brokerRestarted) {
        restartBroker(tail);
        brokerRestarted = true;
      }
      awaitFinished(rest, chaos, Duration.ofMinutes(10 + plan.kills()));
    }
    double chaosSeconds = (System.nanoTime() - t0) / 1e9;
    progress.printf("disturbed run: finished in %.1f s%n", chaosSeconds);
    return new ChaosProof(plan, broker, rest)
        .prove(
            chaos,
            job("chaos").training(),
            sent,
            trainedSteps,
            kills,
            brokerRestarted,
            referenceSeconds,
            chaosSeconds);
  }

  /** Each moment equally often, in an order the seed shuffles (the JobManager only with HA). */
  private List<Moment> moments(int n) {
    List<Moment> out = new ArrayList<>();
    while (out.size() < n) {
      List<Moment> round = new ArrayList<>(List.of(Moment.values()));
      if (!plan.ha()) {
        round.remove(Moment.JOB_MANAGER);
      }
      Collections.shuffle(round, random);
      out.addAll(round);
    }
    return out.subList(0, n);
  }

  private void restartBroker(MetricsTail tail) throws Exception {
    Path dir = broker.dataDir();
    int port = broker.port();
    long steps = tail.steps();
    broker.close();
    progress.println("broker stopped");
    Thread.sleep(3000);
    broker = LocalKafkaBroker.start(dir, port);
    long restarted = System.nanoTime();
    while (tail.steps() == steps) {
      if (System.nanoTime() - restarted > Duration.ofMinutes(5).toNanos()) {
        throw new IllegalStateException("no step within 5 minutes of the broker's restart");
      }
      Thread.sleep(50);
    }
    progress.printf(
        "broker started again on its data; training again %.1f s later%n",
        (System.nanoTime() - restarted) / 1e9);
  }

  /** The job of one run: its own outputs, group, checkpoints and snapshots; the same stream. */
  private JobConfig job(String name) {
    TrainingConfig.Builder t = TrainingConfig.defaults(plan.method()).toBuilder();
    t.width = plan.width();
    t.batchSize = BATCH;
    t.queueSize = 256;
    t.seed = plan.seed();
    t.bufferSize = plan.buffer().bufferSize();
    t.bufferPolicy = plan.buffer().bufferPolicy();
    t.updatesPerBatch = plan.buffer().updatesPerBatch();
    JobConfig.Builder j = JobConfig.defaults(t.build(), checkpointDir(name)).toBuilder();
    j.bootstrapServers = broker.bootstrapServers();
    j.imagesTopic = "images";
    j.deadLetterTopic = name + "-dead";
    j.groupId = name;
    j.device = "cpu";
    j.torchThreads = 1; // two TaskManagers' trainers, two cores
    j.bounded = true; // it ends after a JobManager failover too (BoundedKafkaSource)
    j.decodeParallelism = 1; // one order into the trainer, run after run
    j.checkpointInterval = Duration.ofSeconds(1);
    EvaluationConfig.Builder e =
        EvaluationConfig.defaults(plan.work().resolve(name + "-snapshots")).toBuilder();
    e.evalEvery = EVAL_EVERY;
    e.knnBankSize = 500;
    e.knnTestSize = 200;
    e.knnK = 50;
    e.evalThreads = 1;
    // the proof is the final state, which the label-free readings never touch (StreamingJobTest
    // shows their own recovery); off, they cost the two runs a minute on 2 cores
    e.qualityEvery = 0;
    e.metricsTopic = name + "-metrics";
    e.embeddingsTopic = name + "-embeddings";
    j.evaluation = e.build();
    return j.build();
  }

  private String submit(StandaloneCluster cluster, FlinkRest rest, JobConfig c) throws Exception {
    rest.get("/overview"); // finds a JobManager that answers
    return cluster
        .submit(
            c,
            Map.of(
                "restart-strategy.type", "fixed-delay",
                "restart-strategy.fixed-delay.attempts", Integer.toString(10 + 3 * plan.kills()),
                "restart-strategy.fixed-delay.delay", "500 ms"),
            java.net.URI.create(rest.base()).getPort())
        .getJobID()
        .toHexString();
  }

  private static void awaitFinished(FlinkRest rest, String job, Duration timeout) throws Exception {
    rest.await(
        "/jobs/" + job,
        o -> {
          if (!o.has("state")) {
            return false;
          }
          String s = o.get("state").getAsString();
          if (s.equals("FAILED") || s.equals("CANCELED")) {
            throw new IllegalStateException("job " + job + " is " + s);
          }
          return s.equals("FINISHED");
        },
        timeout);
  }

  private Path checkpointDir(String run) {
    return plan.work().resolve(run + "-checkpoints");
  }

  private void createTopics() throws Exception {
    List<NewTopic> topics = new ArrayList<>();
    for (String t : List.of("images", "knn-bank", "knn-test")) {
      topics.add(new NewTopic(t, 1, (short) 1));
    }
    for (String run : List.of("reference", "chaos")) {
      for (String t : List.of("-metrics", "-dead", "-embeddings")) {
        topics.add(new NewTopic(run + t, 1, (short) 1));
      }
    }
    try (Admin admin =
        Admin.create(
            Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers()))) {
      admin.createTopics(topics).all().get();
    }
  }

  private void publish(String topic, Cifar10Dataset d, int n) throws Exception {
    try (KafkaProducer<byte[], byte[]> p =
        new KafkaProducer<>(
            Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers()),
            new ByteArraySerializer(),
            new ByteArraySerializer())) {
      CifarTopic.send(p, topic, d, 0, n);
    }
  }
}
