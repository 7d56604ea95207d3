package io.mixstream.tools.demo;

import ai.djl.Device;
import io.mixstream.cifar.Cifar10Reader;
import io.mixstream.cifar.CifarSplit;
import io.mixstream.config.EvaluationConfig;
import io.mixstream.config.JobConfig;
import io.mixstream.config.JobOptions;
import io.mixstream.config.Schedule;
import io.mixstream.config.TrainingConfig;
import io.mixstream.job.MixstreamJob;
import io.mixstream.kafka.LocalKafkaBroker;
import io.mixstream.tools.options.DeviceOption;
import io.mixstream.tools.options.ModelChoice;
import io.mixstream.tools.options.OptionChecks;
import io.mixstream.tools.options.TrainingOptionHelp;
import io.mixstream.tools.replay.ImageFolder;
import io.mixstream.tools.replay.Progress;
import io.mixstream.tools.replay.ReplayPlan;
import io.mixstream.tools.replay.ReplaySource;
import io.mixstream.tools.replay.ReplaySummary;
import io.mixstream.tools.replay.Replayer;
import io.mixstream.tools.run.LocalFlink;
import io.mixstream.tools.run.ModelHome;
import io.mixstream.tools.run.StepCounter;
import io.mixstream.tools.run.StopRequest;
import io.mixstream.tools.run.TrainingRun;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.functions.sink.v2.DiscardingSink;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** `mixstream demo`: the whole loop on one machine, from CIFAR-10 files to training steps. */
@Command(
    name = "demo",
    mixinStandardHelpOptions = true,
    description = {
      "Runs the whole system on this machine: Kafka, replay, Flink job, dashboard, kNN.",
      "Starts a local Kafka broker, replays CIFAR-10 into it in a loop (and the kNN bank and test"
          + " images once), and runs the training job in a local Flink with its dashboard,"
          + " printing the loss and each kNN result as they come. Ctrl-C stops everything."
    })
public final class DemoCommand implements Callable<Integer> {
  @Option(
      names = "--data",
      paramLabel = "PATH",
      description =
          "CIFAR-10 binary folder or cifar-10-binary.tar.gz, or a folder of image files (class"
              + " subfolders give the kNN monitor its labels; see `mixstream replay --help`)."
              + " Default: $MIXSTREAM_DATA, else ../shared/data/cifar10 if it exists, else the"
              + " official archive, downloaded once (MD5 checked) to ~/.cache/mixstream/.")
  Path data;

  @Option(
      names = "--image-size",
      defaultValue = "32",
      paramLabel = "S",
      descriptionKey = TrainingOptionHelp.PREFIX + "image-size")
  int imageSize;

  @Option(
      names = "--holdout",
      defaultValue = "0.1",
      paramLabel = "F",
      description =
          "A folder without train/ and test/ subfolders: the share of its files that is the kNN"
              + " test set (default: ${DEFAULT-VALUE}).")
  double holdout;

  @Option(names = "--download-url", hidden = true)
  URI downloadUrl = CifarDownload.OFFICIAL;

  @Option(names = "--download-md5", hidden = true)
  String downloadMd5 = CifarDownload.OFFICIAL_MD5;

  @Option(
      names = "--eval-every",
      defaultValue = "100",
      description =
          "Steps between snapshots and kNN evaluations; 0 = none (default: ${DEFAULT-VALUE}).")
  int evalEvery;

  @Option(
      names = {"--knn-bank-size", "--knn-bank"},
      defaultValue = "0",
      description = "kNN bank images (training set, first N); 0 = 50,000 on a GPU, 5,000 on a CPU.")
  int knnBank;

  @Option(
      names = {"--knn-test-size", "--knn-test"},
      defaultValue = "0",
      description = "kNN test images (first N); 0 = 10,000 on a GPU, 1,000 on a CPU.")
  int knnTest;

  @Option(
      names = "--work-dir",
      defaultValue = "${sys:java.io.tmpdir}/mixstream-demo",
      description =
          "Where the broker's data, the checkpoints, the savepoint of the last stop and the"
              + " snapshots go (default: ${DEFAULT-VALUE}).")
  Path workDir;

  @Option(
      names = "--steps",
      defaultValue = "0",
      description =
          "Stop once the model (every model, with --models) has done this many steps, counting"
              + " the runs it resumed (a step may still finish while the job stops); 0 = until"
              + " Ctrl-C (default: ${DEFAULT-VALUE}).")
  long steps;

  @Option(
      names = "--fresh",
      description =
          "Start a new model: forget the checkpoints, savepoints and snapshots of earlier runs in"
              + " the work dir (its topics stay). Without it, a run resumes where the last one"
              + " stopped.")
  boolean fresh;

  /** --width 0 (the default) = 64 on a GPU, 16 on a CPU. */
  @Mixin ModelChoice model = new ModelChoice("moco", 0, "64");

  @Option(
      names = "--models",
      paramLabel = "KEY[:METHOD],...",
      description =
          "Train several models side by side on the one stream, each on its own trainer, with the"
              + " width and batch above: moco,approach1 (a key that names a method trains it) or"
              + " fast:moco,a2:approach2. Their kNN results print side by side at the end."
              + " Default: one model, --method.")
  String models;

  @Mixin DeviceOption device;

  @Option(
      names = "--rest-port",
      defaultValue = "8081",
      description = "Flink dashboard port on 127.0.0.1 (default: ${DEFAULT-VALUE}).")
  int restPort;

  @Option(
      names = "--replay-rate",
      defaultValue = "1000",
      description =
          "Images per second the replay publishes, looping over the data (default:"
              + " ${DEFAULT-VALUE}).")
  double replayRate;

  @Override
  public Integer call() throws Exception {
    OptionChecks checks = new OptionChecks();
    model.check(checks, 0, "0 = 64 on a GPU, 16 on a CPU");
    checks.atLeast("--eval-every", evalEvery, 0, "0 = no evaluation");
    checks.atLeast("--steps", steps, 0, "0 = until Ctrl-C");
    checks.atLeast("--knn-bank-size", knnBank, 0, "0 = the device's default");
    checks.atLeast("--knn-test-size", knnTest, 0, "0 = the device's default");
    checks.port("--rest-port", restPort);
    checks.positive("--replay-rate", replayRate, "images per second");
    checks.throwIfAny();
    LocalFlink.checkRestPort("127.0.0.1", restPort);
    Device dev = device.resolve();
    TrainingConfig config = trainingConfig(dev);
    System.out.println("training config: " + config.asMap());
    Images images = images(dataPath());
    int bankSize =
        Math.min(images.train.size(), knnBank > 0 ? knnBank : (dev.isGpu() ? 50_000 : 5_000));
    int testSize =
        Math.min(images.test.size(), knnTest > 0 ? knnTest : (dev.isGpu() ? 10_000 : 1_000));
    if (images.train.classes().isEmpty()) {
      bankSize = 0; // kNN needs labels
    }
    try (AutoCloseable mine = ModelHome.inWorkDir(workDir).lock("--work-dir");
        StopRequest stop = new StopRequest(Duration.ofMinutes(3))) {
      return run(dev, config, images, new KnnSizes(bankSize, testSize), stop);
    }
  }

  /** The training and kNN test images. */
  private record Images(ReplaySource train, ReplaySource test) {}

  /** How many images the kNN bank and test sets take; a bank of 0 = no kNN. */
  private record KnnSizes(int bank, int test) {}

  /** The model's settings, with a schedule that never ends (the replay loops). */
  private TrainingConfig trainingConfig(Device dev) {
    TrainingConfig.Builder b = TrainingConfig.defaults().toBuilder();
    int width = model.width() > 0 ? model.width() : (dev.isGpu() ? 64 : 16);
    model.applyTo(b, width, model.batch());
    b.imageSize = imageSize;
    // the replay loops without end: a schedule that never reaches 0 (the cosine's first epochs,
    // all a CPU demo ever sees, run within 0.01% of this rate)
    b.schedule = Schedule.CONSTANT;
    // and BYOL's target rate with it: its cosine needs the horizon a constant rate does not have
    b.byolMomentumSchedule = io.mixstream.config.MomentumSchedule.FIXED;
    return b.build().validate();
  }

  /** CIFAR-10's two splits, or a folder's files split into training and test. */
  private Images images(Path dataPath) throws java.io.IOException {
    if (!Files.exists(dataPath)) {
      throw new IllegalArgumentException(
          "--data %s does not exist: give CIFAR-10's binary folder or archive, or a folder of"
                  .formatted(dataPath)
              + " image files");
    }
    if (ImageFolder.isCifar(dataPath)) {
      return new Images(
          ReplaySource.of(Cifar10Reader.read(dataPath, CifarSplit.TRAIN)),
          ReplaySource.of(Cifar10Reader.read(dataPath, CifarSplit.TEST)));
    }
    ReplaySource train = ImageFolder.open(dataPath, "train", holdout, 0, System.err);
    ReplaySource test = ImageFolder.open(dataPath, "test", holdout, 0, System.err);
    System.out.printf(
        "image folder %s: %,d training and %,d test files, %s%s%n",
        dataPath,
        train.size(),
        test.size(),
        train.classes().isEmpty()
            ? "no class subfolders (no labels: the kNN monitor is off)"
            : train.classes().size() + " classes: " + String.join(", ", train.classes()),
        ReplaySummary.passedOver(train.ignoredFiles()));
    return new Images(train, test);
  }

  /** Runs the demo; 1 when a part of it failed (the replay, or the job itself). */
  private int run(
      Device dev, TrainingConfig config, Images images, KnnSizes knnSizes, StopRequest stop)
      throws Exception {
    ModelHome state = ModelHome.inWorkDir(workDir);
    java.util.Optional<Path> resumeFrom = claimWorkDir(state, config);
    try (LocalKafkaBroker broker = LocalKafkaBroker.start(workDir.resolve("kafka"), 0)) {
      createTopics(broker.bootstrapServers(), EvaluationConfig.defaults(workDir));
      EvaluationConfig evaluation = evaluation(broker, images, knnSizes);
      AtomicBoolean replayFailed = new AtomicBoolean();
      Thread replay = startReplay(broker, images.train, stop, replayFailed);
      JobConfig job = jobConfig(config, state, broker, dev, evaluation);
      Configuration conf = LocalFlink.resumable(job, "127.0.0.1", restPort, resumeFrom);
      StreamExecutionEnvironment env =
          StreamExecutionEnvironment.createLocalEnvironmentWithWebUI(conf);
      printWhereThingsGo(broker, job, knnSizes);
      KnnPrinter knn =
          new KnnPrinter(
              broker.bootstrapServers(), evaluation.metricsTopic(), job.trainers().size() > 1);
      knn.start();
      StepCounter.reset(job.trainers().size());
      System.out.println("training " + MixstreamJob.jobName(job));
      MixstreamJob.build(env, job)
          .filter(new StepCounter())
          .name("progress")
          .setParallelism(1)
          .sinkTo(new DiscardingSink<>());
      JobClient client = env.executeAsync("mixstream demo");
      TrainingRun run;
      try {
        // a job that failed by itself ends the demo with its cause, exit 1
        run = TrainingRun.await(client, stop, steps, state, "demo");
      } finally {
        replay.interrupt();
        knn.close();
      }
      if (job.trainers().size() > 1 && !knn.table().isEmpty()) {
        System.out.println("the models side by side (kNN top-1, latest evaluation):");
        knn.table().lines().forEach(l -> System.out.println("  " + l));
      }
      if (run.finishedByItself()) {
        return 0;
      }
      String savepoint =
          run.savepoint()
              .map(p -> "savepoint " + p + " (the next run resumes from it)")
              .orElse("no savepoint");
      System.out.printf(
          "stopped after %d steps; %s; checkpoints in %s, snapshots in %s, broker data in %s%n",
          run.steps(),
          savepoint,
          job.checkpointDir(),
          job.evaluation().snapshotDir(),
          broker.dataDir());
      return replayFailed.get() ? 1 : 0;
    }
  }

  /**
   * With --fresh forgets the work dir's model; else checks that it was trained with these settings
   * and returns what to resume from.
   */
  private java.util.Optional<Path> claimWorkDir(ModelHome state, TrainingConfig config)
      throws java.io.IOException {
    if (fresh) {
      state.forget();
    }
    Map<String, Object> claimed = new java.util.TreeMap<>(config.asMap());
    if (models != null) {
      claimed.put("models", models);
    }
    Map<String, Object> defaults = new java.util.TreeMap<>(TrainingConfig.defaults().asMap());
    // a demo recorded before the schedule was an option ran the cosine's first epochs, which are
    // within 0.01% of the constant rate it now takes: it resumes
    defaults.put("schedule", Schedule.CONSTANT);
    state.claim(claimed, defaults, "--fresh to start a new model there (or another --work-dir)");
    return state.latest();
  }

  /** The kNN monitor's settings, its bank and test images published; off without labels. */
  private EvaluationConfig evaluation(LocalKafkaBroker broker, Images images, KnnSizes sizes)
      throws Exception {
    if (evalEvery == 0 || sizes.bank == 0) {
      return EvaluationConfig.off(workDir.resolve("snapshots"));
    }
    EvaluationConfig d = EvaluationConfig.defaults(workDir.resolve("snapshots"));
    EvaluationConfig.Builder e = d.toBuilder();
    e.evalEvery = evalEvery;
    e.knnBankSize = sizes.bank;
    e.knnTestSize = sizes.test;
    e.knnClasses = Math.max(1, images.train.classes().size());
    publishOnce(broker.bootstrapServers(), images.train, d.knnBankTopic(), sizes.bank);
    publishOnce(broker.bootstrapServers(), images.test, d.knnTestTopic(), sizes.test);
    return e.build();
  }

  /** The training images replayed in a loop on a daemon thread; a failure requests the stop. */
  private Thread startReplay(
      LocalKafkaBroker broker, ReplaySource train, StopRequest stop, AtomicBoolean failed) {
    Thread replay =
        new Thread(
            () -> {
              try {
                new Replayer(broker.bootstrapServers(), Map.of())
                    .replay(
                        train,
                        ReplayPlan.to("images")
                            .looping()
                            .shuffled(0)
                            .ratePerSecond(replayRate)
                            .build(),
                        new Progress(System.out, "images replayed", -1, false));
              } catch (Exception e) {
                System.err.println("demo: the replay failed, stopping: " + e.getMessage());
                failed.set(true);
                stop.request();
              }
            },
            "mixstream-demo-replay");
    replay.setDaemon(true);
    replay.start();
    return replay;
  }

  /** The job: the demo's topics on the local broker, the work dir's checkpoints. */
  private JobConfig jobConfig(
      TrainingConfig config,
      ModelHome state,
      LocalKafkaBroker broker,
      Device dev,
      EvaluationConfig evaluation) {
    JobConfig.Builder j = JobConfig.defaults(config, state.checkpoints()).toBuilder();
    j.bootstrapServers = broker.bootstrapServers();
    j.imagesTopic = "images";
    j.deadLetterTopic = "images-dead-letters";
    j.groupId = "mixstream-demo";
    j.device = dev.isGpu() ? "gpu" : "cpu";
    j.evaluation = evaluation;
    if (models != null) {
      j.models = JobOptions.sameSettings(models, config, j.device, 0);
    }
    return LocalFlink.shareCores(j.build().validate());
  }

  private void printWhereThingsGo(LocalKafkaBroker broker, JobConfig job, KnnSizes knnSizes) {
    System.out.printf(
        "Kafka broker %s, topics images and images-dead-letters (data in %s)%n"
            + "Flink dashboard http://127.0.0.1:%d; checkpoints in %s%n",
        broker.bootstrapServers(), broker.dataDir(), restPort, job.checkpointDir());
    EvaluationConfig evaluation = job.evaluation();
    if (evaluation.evalEvery() > 0) {
      System.out.printf(
          "every %d steps: a snapshot in %s, a kNN evaluation (bank %,d from topic %s, test %,d"
              + " from %s) to topic %s, embeddings to topic %s%n",
          evaluation.evalEvery(),
          evaluation.snapshotDir(),
          knnSizes.bank,
          evaluation.knnBankTopic(),
          knnSizes.test,
          evaluation.knnTestTopic(),
          evaluation.metricsTopic(),
          evaluation.embeddingsTopic());
    }
  }

  private Path dataPath() throws java.io.IOException {
    if (data != null) {
      return data;
    }
    String env = System.getenv("MIXSTREAM_DATA");
    if (env != null && !env.isBlank()) {
      return Path.of(env);
    }
    Path shared = Path.of("../shared/data/cifar10");
    if (Files.isRegularFile(shared.resolve("test_batch.bin"))) {
      return shared;
    }
    Path cache =
        Path.of(System.getProperty("user.home"), ".cache", "mixstream", "cifar-10-binary.tar.gz");
    return CifarDownload.ensure(cache, downloadUrl, downloadMd5, System.out);
  }

  /**
   * The first {@code n} images of a split, in order, to {@code topic}, unless an earlier run in the
   * same work dir put them there (the evaluator takes each id once anyway).
   */
  private static void publishOnce(String bootstrap, ReplaySource d, String topic, int n)
      throws Exception {
    try (Admin admin =
        Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap))) {
      var tp = new org.apache.kafka.common.TopicPartition(topic, 0);
      long end =
          admin
              .listOffsets(Map.of(tp, org.apache.kafka.clients.admin.OffsetSpec.latest()))
              .partitionResult(tp)
              .get()
              .offset();
      if (end >= n) {
        System.out.printf("topic %s already holds %,d images%n", topic, end);
        return;
      }
    }
    new Replayer(bootstrap, Map.of())
        .replay(
            d,
            ReplayPlan.to(topic).limit(n).build(),
            new Progress(System.out, "images to " + topic, n, false));
  }

  /**
   * The demo's topics, one partition each. The looping replay never ends: the images topic keeps at
   * most about 256 MB.
   */
  private static void createTopics(String bootstrap, EvaluationConfig e) throws Exception {
    try (Admin admin =
        Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap))) {
      var existing = admin.listTopics().names().get();
      List<NewTopic> missing = new java.util.ArrayList<>();
      if (!existing.contains("images")) {
        missing.add(
            new NewTopic("images", 1, (short) 1)
                .configs(Map.of("retention.bytes", "268435456", "segment.bytes", "33554432")));
      }
      for (String t :
          List.of(
              "images-dead-letters",
              e.knnBankTopic(),
              e.knnTestTopic(),
              e.metricsTopic(),
              e.embeddingsTopic())) {
        if (!existing.contains(t)) {
          missing.add(new NewTopic(t, 1, (short) 1));
        }
      }
      admin.createTopics(missing).all().get();
    }
  }
}
