package io.mixstream.tools.chaos;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import io.mixstream.cifar.Cifar10Dataset;
import io.mixstream.config.EvaluationConfig;
import io.mixstream.config.JobConfig;
import io.mixstream.config.Method;
import io.mixstream.config.TrainingConfig;
import io.mixstream.kafka.LocalKafkaBroker;
import io.mixstream.kafka.TopicReader;
import io.mixstream.records.MetricsCodec;
import io.mixstream.records.MetricsRecord;
import io.mixstream.snapshot.EncoderSnapshot;
import io.mixstream.tools.cluster.FlinkRest;
import io.mixstream.tools.cluster.LocalZooKeeper;
import io.mixstream.tools.cluster.StandaloneCluster;
import io.mixstream.tools.fuzz.HostileStream;
import io.mixstream.train.LearningRateSchedule;
import io.mixstream.train.TrainedDigest;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
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
 * data. Then the proof, from the job's own outputs against an undisturbed run of the same stream
 * and seed on the same cluster: the final state's fingerprint, the trained digest against the
 * replayed one, every step's loss, the dead letters, the snapshots and the TaskManagers' memory.
 */
public final class ChaosRun {
  /** Steps between two kills' target steps. */
  static final int SPACING = 10;

  /** Images per training step. */
  public static final int BATCH = 32;

  static final int EVAL_EVERY = 8;

  /** How much more resident memory than before the first kill a later one may find. */
  public static final double MEMORY_MARGIN = 1.5;

  /** What a kill was aimed at: the moment the TaskManager was killed in. */
  public enum Moment {
    STEP("during a step"),
    CHECKPOINT("during a checkpoint"),
    SNAPSHOT("at a snapshot write"),
    EVALUATION("during an evaluation"),
    /** The leading JobManager (with high availability only), at a random step. */
    JOB_MANAGER("the leading JobManager");

    private final String words;

    Moment(String words) {
      this.words = words;
    }

    @Override
    public String toString() {
      return words;
    }
  }

  /**
   * What to do.
   *
   * @param kills TaskManager kills
   * @param seed the kills' moments and the model's seed
   * @param width the model's width
   * @param restartBroker stop and start the broker once, halfway
   * @param ha ZooKeeper high availability with a standby JobManager, and some kills of the leading
   *     JobManager
   * @param work where the broker, the cluster, checkpoints and snapshots live
   * @param buffer the replay buffer between the stream and the trainer (off: size 0)
   * @param method what the model trains (approach2 by default: the most state, two queues and the
   *     region branch; byol: a target network and two MLP heads)
   */
  public record Plan(
      int kills,
      long seed,
      int width,
      boolean restartBroker,
      boolean ha,
      Path work,
      TrainingConfig.Buffer buffer,
      Method method) {
    /** No replay buffer. */
    public static final TrainingConfig.Buffer NO_BUFFER =
        new TrainingConfig.Buffer(0, io.mixstream.config.BufferPolicy.MINRED, 1);

    public Plan(int kills, long seed, int width, boolean restartBroker, boolean ha, Path work) {
      this(kills, seed, width, restartBroker, ha, work, NO_BUFFER, Method.APPROACH2);
    }

    public Plan {
      if (kills < 0) {
        throw new IllegalArgumentException("--kills must be 0 or more");
      }
      if (width < 1) {
        throw new IllegalArgumentException("--width must be at least 1");
      }
    }

    /** Training steps: room for every kill, each a few steps after a checkpoint. */
    public int steps() {
      return 2 * SPACING + kills * SPACING + 2 * SPACING;
    }
  }

  /**
   * One kill.
   *
   * @param process the one killed: the TaskManager that ran the trainer, or the leading JobManager
   * @param step the newest step the metrics topic showed then
   * @param checkpointInProgress whether a checkpoint was in progress then (its folder without
   *     metadata)
   * @param rssBytes the TaskManager's resident memory just before
   * @param secondsToNextStep from the kill to the next step record (failover, restore, catch-up)
   */
  public record Kill(
      int number,
      Moment aimedAt,
      String process,
      long step,
      boolean checkpointInProgress,
      long rssBytes,
      double secondsToNextStep) {}

  /**
   * The outcome; {@link #proven()} says whether everything held.
   *
   * @param referenceSha the undisturbed run's final state ({@code type final})
   * @param chaosSha the disturbed run's
   * @param expectedDigest the digest of (image id, epoch) over every valid image replayed
   * @param stepsDiffering steps whose last loss differs from the undisturbed run's, or missing
   * @param notDeadLettered offsets of refused records absent from the dead-letter topic
   * @param withoutReason offsets of dead letters without a reason
   * @param snapshots snapshot files of the disturbed run
   * @param badSnapshots snapshot files that do not load or differ from the undisturbed run's
   * @param restarts job restarts the JobManager counted
   */
  public record Result(
      Plan plan,
      int steps,
      HostileStream.Sent sent,
      List<Kill> kills,
      boolean brokerRestarted,
      long restarts,
      String referenceSha,
      String chaosSha,
      TrainedDigest expectedDigest,
      TrainedDigest referenceDigest,
      TrainedDigest chaosDigest,
      List<Long> stepsDiffering,
      long stepRecords,
      List<Long> notDeadLettered,
      List<Long> withoutReason,
      int snapshots,
      List<String> badSnapshots,
      int leftoverTemporaryFiles,
      double referenceSeconds,
      double chaosSeconds) {
    public boolean proven() {
      return referenceSha != null
          && referenceSha.equals(chaosSha)
          && expectedDigest.equals(chaosDigest)
          && expectedDigest.equals(referenceDigest)
          && stepsDiffering.isEmpty()
          && notDeadLettered.isEmpty()
          && withoutReason.isEmpty()
          && snapshots > 0
          && badSnapshots.isEmpty()
          && kills.size() == plan.kills()
          && memoryWithinMargin();
    }

    /**
     * Whether the trainer's TaskManager, before every TaskManager kill, used at most {@link
     * #MEMORY_MARGIN} times the resident memory it used before the first (none grows from restart
     * to restart).
     */
    public boolean memoryWithinMargin() {
      return largestRss() <= MEMORY_MARGIN * firstRss();
    }

    /**
     * The trainer's TaskManager's resident memory before the last TaskManager kill over that before
     * the first; NaN with under two.
     */
    public double memoryGrowth() {
      List<Kill> k = taskManagerKills();
      return k.size() < 2
          ? Double.NaN
          : (double) k.get(k.size() - 1).rssBytes() / k.get(0).rssBytes();
    }

    public long largestRss() {
      return taskManagerKills().stream().mapToLong(Kill::rssBytes).max().orElse(0);
    }

    public long firstRss() {
      return taskManagerKills().isEmpty() ? 0 : taskManagerKills().get(0).rssBytes();
    }

    private List<Kill> taskManagerKills() {
      return kills.stream().filter(k -> k.aimedAt() != Moment.JOB_MANAGER).toList();
    }
  }

  private final Plan plan;
  private final PrintStream progress;
  private final Random random;
  private LocalKafkaBroker broker;
  private int jobManagers = 1;

  private ChaosRun(Plan plan, PrintStream progress) {
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
  public static Result run(
      Plan plan, Cifar10Dataset train, Cifar10Dataset test, String classpath, PrintStream progress)
      throws Exception {
    return new ChaosRun(plan, progress).run(train, test, classpath);
  }

  private Result run(Cifar10Dataset train, Cifar10Dataset test, String classpath) throws Exception {
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

  private Result runOn(StandaloneCluster cluster, Cifar10Dataset train, Cifar10Dataset test)
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
      List<Moment> moments = moments(plan.kills());
      for (int i = 0; i < plan.kills(); i++) {
        if (plan.restartBroker() && !brokerRestarted && i >= plan.kills() / 2) {
          restartBroker(tail);
          brokerRestarted = true;
        }
        long target = 2L * SPACING + (long) i * SPACING + random.nextInt(SPACING / 2);
        Kill k = killAt(cluster, rest, chaos, tail, i + 1, moments.get(i), target);
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
    return prove(
        rest, chaos, sent, trainedSteps, kills, brokerRestarted, referenceSeconds, chaosSeconds);
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

  /**
   * Waits until the run has passed {@code target} steps, then for the moment, and kills the
   * trainer's TaskManager; null when the input ended first.
   */
  private Kill killAt(
      StandaloneCluster cluster,
      FlinkRest rest,
      String job,
      MetricsTail tail,
      int number,
      Moment moment,
      long target)
      throws Exception {
    long deadline = System.nanoTime() + Duration.ofMinutes(5).toNanos();
    while (tail.newestStep() < target) {
      if (tail.ended() || System.nanoTime() > deadline) {
        return null;
      }
      Thread.sleep(5);
    }
    switch (moment) {
      case STEP, JOB_MANAGER -> Thread.sleep(random.nextInt(100));
      case CHECKPOINT -> {
        long until = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (!checkpointInProgress(job) && System.nanoTime() < until) {
          Thread.sleep(5);
        }
      }
      case SNAPSHOT, EVALUATION -> {
        // a snapshot is written right after its step, then the evaluator embeds its sets
        long until = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (tail.newestStep() % EVAL_EVERY != 0 && System.nanoTime() < until) {
          if (tail.ended()) {
            return null;
          }
          Thread.sleep(2);
        }
        if (moment == Moment.EVALUATION) {
          Thread.sleep(50 + random.nextInt(250));
        }
      }
    }
    if (tail.ended()) {
      return null;
    }
    String host =
        moment == Moment.JOB_MANAGER ? cluster.leaderJobManager() : trainerHost(rest, job);
    if (host == null) {
      throw new IllegalStateException("no JobManager says it leads");
    }
    long step = tail.newestStep();
    boolean inProgress = checkpointInProgress(job);
    long rss = moment == Moment.JOB_MANAGER ? 0 : residentBytes(cluster.pid(host));
    long killedAt = System.nanoTime();
    if (moment == Moment.JOB_MANAGER) {
      cluster.killJobManager(host);
      // the TaskManagers train on until they hear of a new leader: time from when there is one
      while (cluster.leaderJobManager() == null) {
        if (System.nanoTime() - killedAt > Duration.ofMinutes(5).toNanos()) {
          throw new IllegalStateException("no new leading JobManager within 5 minutes");
        }
        Thread.sleep(20);
      }
      long led = System.nanoTime();
      while (tail.newestStepNanos() < led) {
        Thread.sleep(20);
      }
      return new Kill(
          number, moment, host, step, inProgress, 0, (tail.newestStepNanos() - killedAt) / 1e9);
    }
    cluster.kill(host);
    while (tail.newestStepNanos() < killedAt) {
      if (System.nanoTime() - killedAt > Duration.ofMinutes(5).toNanos()) {
        throw new IllegalStateException(
            "no step within 5 minutes of killing " + host + " (kill " + number + ")");
      }
      Thread.sleep(20);
    }
    return new Kill(
        number, moment, host, step, inProgress, rss, (tail.newestStepNanos() - killedAt) / 1e9);
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

  private Result prove(
      FlinkRest rest,
      String chaos,
      HostileStream.Sent sent,
      int steps,
      List<Kill> kills,
      boolean brokerRestarted,
      double referenceSeconds,
      double chaosSeconds)
      throws Exception {
    Outputs ref = outputs("reference-metrics");
    Outputs run = outputs("chaos-metrics");

    TrainingConfig training = job("chaos").training();
    LearningRateSchedule schedule = LearningRateSchedule.of(training);
    TrainedDigest expected = new TrainedDigest();
    int stepsDone = steps;
    int valid = sent.validIds().size();
    if (!training.buffer().on()) {
      for (int i = 0; i < valid; i++) {
        expected.add(sent.validIds().get(i), schedule.epochOf(i / BATCH));
      }
    } else {
      // which images a buffer trains depends on the training (minred's features), so the sum is
      // the undisturbed run's; the count is every step's batch: U steps per B arrivals, and the
      // last partial batch's ⌊r·U/B⌋
      int u = training.buffer().updatesPerBatch();
      stepsDone = (valid / BATCH) * u + (valid % BATCH) * u / BATCH;
      expected = new TrainedDigest(digest(ref.end).sum(), (long) stepsDone * BATCH);
    }

    List<Long> differing = new ArrayList<>();
    for (long s = 1; s <= stepsDone; s++) {
      Double a = ref.lastLoss.get(s);
      Double b = run.lastLoss.get(s);
      if (a == null
          || b == null
          || Double.doubleToRawLongBits(a) != Double.doubleToRawLongBits(b)) {
        differing.add(s);
      }
    }

    Map<Long, String> dead =
        HostileStream.deadLettered(broker, "chaos-dead", sent.invalidOffsets().size());
    List<Long> missing =
        sent.invalidOffsets().stream().filter(o -> !dead.containsKey(o)).sorted().toList();
    List<Long> noReason =
        dead.entrySet().stream()
            .filter(e -> e.getValue().isEmpty())
            .map(Map.Entry::getKey)
            .sorted()
            .toList();

    int snapshots = 0;
    int leftovers = 0;
    List<String> bad = new ArrayList<>();
    Path chaosSnapshots = plan.work().resolve("chaos-snapshots");
    Path refSnapshots = plan.work().resolve("reference-snapshots");
    try (var files = Files.walk(chaosSnapshots)) {
      for (Path f : files.filter(Files::isRegularFile).sorted().toList()) {
        String name = f.getFileName().toString();
        if (name.endsWith(".tmp")) {
          leftovers++;
        } else if (name.endsWith(".safetensors")) {
          snapshots++;
          Path twin = refSnapshots.resolve(chaosSnapshots.relativize(f));
          try {
            byte[] bytes = Files.readAllBytes(f);
            EncoderSnapshot.fromSafetensors(bytes);
            if (!Files.exists(twin) || !java.util.Arrays.equals(bytes, Files.readAllBytes(twin))) {
              bad.add(f + " (not the undisturbed run's file)");
            }
          } catch (IllegalArgumentException e) {
            bad.add(f + " (" + e.getMessage() + ")");
          }
        }
      }
    }

    JsonObject history = rest.get("/jobs/" + chaos + "/exceptions?maxExceptions=1000");
    long restarts = history.getAsJsonObject("exceptionHistory").getAsJsonArray("entries").size();
    return new Result(
        plan,
        stepsDone,
        sent,
        kills,
        brokerRestarted,
        restarts,
        ref.end == null ? null : ref.end.stateSha256(),
        run.end == null ? null : run.end.stateSha256(),
        expected,
        digest(ref.end),
        digest(run.end),
        differing,
        run.stepRecords,
        missing,
        noReason,
        snapshots,
        bad,
        leftovers,
        referenceSeconds,
        chaosSeconds);
  }

  private static TrainedDigest digest(MetricsRecord.Final end) {
    return end == null
        ? new TrainedDigest()
        : new TrainedDigest(end.trainedDigestSum(), end.trainedDigestCount());
  }

  /** A run's metrics topic: the last loss of each step, and its final state. */
  private static final class Outputs {
    final Map<Long, Double> lastLoss = new TreeMap<>();
    MetricsRecord.Final end;
    long stepRecords;
  }

  private Outputs outputs(String topic) {
    Outputs o = new Outputs();
    try (TopicReader r = new TopicReader(broker.bootstrapServers(), Map.of(), topic, "the job")) {
      for (byte[] v : r.readAll(Duration.ofMinutes(2))) {
        MetricsRecord m = MetricsCodec.decode(new String(v, StandardCharsets.UTF_8));
        if (m instanceof MetricsRecord.Train t) {
          o.lastLoss.put(t.step(), t.loss()); // a step done again after a restore: the last
          o.stepRecords++;
        } else if (m instanceof MetricsRecord.Final f) {
          o.end = f;
        }
      }
    }
    return o;
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

  /**
   * Whether a checkpoint of the job is being taken: the newest checkpoint's folder (the JobManager
   * makes it when it triggers one) is there without the metadata that completes it. Older folders
   * without metadata are checkpoints a kill aborted, which Flink leaves behind. Read from the
   * files, not the REST API, which caches checkpoint statistics for seconds.
   */
  private boolean checkpointInProgress(String job) throws IOException {
    Path dir = checkpointDir("chaos").resolve(job);
    if (!Files.isDirectory(dir)) {
      return false;
    }
    long newest = -1;
    try (var entries = Files.list(dir)) {
      for (Path p : (Iterable<Path>) entries::iterator) {
        String name = p.getFileName().toString();
        if (name.startsWith("chk-")) {
          newest = Math.max(newest, Long.parseLong(name.substring(4)));
        }
      }
    } catch (java.nio.file.NoSuchFileException | java.io.UncheckedIOException e) {
      return false; // subsumed and deleted while listed
    }
    return newest >= 0 && !Files.exists(dir.resolve("chk-" + newest).resolve("_metadata"));
  }

  /** The TaskManager the trainer's subtask is deployed on, waiting for it to be deployed. */
  private static String trainerHost(FlinkRest rest, String job) throws Exception {
    // a JobManager that has just taken over answers for the job before it knows its vertices
    JsonObject graph =
        rest.await(
            "/jobs/" + job,
            o -> o.has("vertices") && !o.getAsJsonArray("vertices").isEmpty(),
            Duration.ofMinutes(2));
    String vertex = null;
    for (JsonElement v : graph.getAsJsonArray("vertices")) {
      if (v.getAsJsonObject().get("name").getAsString().startsWith("train ")) {
        vertex = v.getAsJsonObject().get("id").getAsString();
      }
    }
    if (vertex == null) {
      throw new IllegalStateException("no trainer in job " + job);
    }
    JsonObject where =
        rest.await(
            "/jobs/" + job + "/vertices/" + vertex + "/taskmanagers",
            o -> {
              var tms = o.getAsJsonArray("taskmanagers"); // absent while a new leader recovers
              return tms != null
                  && tms.size() == 1
                  && tms.get(0).getAsJsonObject().has("status")
                  && tms.get(0).getAsJsonObject().get("status").getAsString().equals("RUNNING");
            },
            Duration.ofMinutes(2));
    return where
        .getAsJsonArray("taskmanagers")
        .get(0)
        .getAsJsonObject()
        .get("taskmanager-id")
        .getAsString();
  }

  /** VmRSS of a process, from /proc. */
  static long residentBytes(long pid) throws IOException {
    for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
      if (line.startsWith("VmRSS:")) {
        return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
      }
    }
    throw new IOException("no VmRSS in /proc/" + pid + "/status");
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
