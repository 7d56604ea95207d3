package io.mixstream.job;

import io.mixstream.config.EvaluationConfig;
import io.mixstream.config.JobConfig;
import io.mixstream.config.JobOptions;
import io.mixstream.config.ModelSpec;
import io.mixstream.config.TrainingConfig;
import io.mixstream.job.evaluation.EmbeddingSerializer;
import io.mixstream.job.evaluation.EvalImage;
import io.mixstream.job.evaluation.KnnEvaluator;
import io.mixstream.job.evaluation.KnnReport;
import io.mixstream.job.ingest.DeadLetter;
import io.mixstream.job.ingest.DeadLetterSerializer;
import io.mixstream.job.ingest.DecodeImages;
import io.mixstream.job.ingest.RawRecordDeserializer;
import io.mixstream.job.ingest.TrainingImage;
import io.mixstream.job.metrics.MetricsSerializer;
import io.mixstream.job.outputs.EmbeddingOutput;
import io.mixstream.job.snapshots.ModelSnapshot;
import io.mixstream.job.snapshots.SnapshotFiles;
import io.mixstream.job.training.ModelPlacement;
import io.mixstream.job.training.OnlineTrainer;
import io.mixstream.job.training.QualitySettings;
import io.mixstream.job.training.StepResult;
import io.mixstream.job.training.ToEveryModel;
import io.mixstream.kafka.KafkaConnectors;
import io.mixstream.kafka.KafkaPreflight;
import io.mixstream.kafka.KafkaRecordSizes;
import io.mixstream.records.EmbeddingRecord;
import io.mixstream.records.RecordLimits;
import io.mixstream.snapshot.SnapshotRetention;
import io.mixstream.train.LearningRateSchedule;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.MemorySize;
import org.apache.flink.configuration.TaskManagerOptions;
import org.apache.flink.connector.kafka.sink.KafkaRecordSerializationSchema;
import org.apache.flink.connector.kafka.sink.KafkaSink;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

/**
 * The pipeline of docs/ARCHITECTURE.md: Kafka source → decode and validate (bad records to the
 * dead-letter topic) → a copy for every model → keyBy(model) → mini-batch assembly and training in
 * keyed state, one trainer subtask per model; snapshots of every model to one kNN evaluator.
 */
public final class MixstreamJob {
  private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(MixstreamJob.class);

  /** How long the preflight waits for the broker, as the replay and the readers do. */
  public static final Duration PREFLIGHT_TIMEOUT = Duration.ofSeconds(30);

  private MixstreamJob() {}

  /**
   * Entry point for {@code flink run}: the options of {@link JobOptions} ({@code --help} lists
   * them).
   */
  public static void main(String[] args) throws Exception {
    Path checkpoints = Path.of(System.getProperty("java.io.tmpdir"), "mixstream-checkpoints");
    if (Arrays.asList(args).contains("--help")) {
      System.out.println("Usage: flink run mixstream-job.jar [--config FILE] [--option value]...");
      JobOptions.help(checkpoints).forEach(System.out::println);
      return;
    }
    JobConfig c = JobOptions.parse(args, checkpoints);
    checkOutputFolders(c);
    KafkaPreflight.Findings kafka = preflight(c, PREFLIGHT_TIMEOUT);
    StreamExecutionEnvironment env =
        StreamExecutionEnvironment.getExecutionEnvironment(flinkConfiguration(c));
    execute(env, c, kafka);
  }

  /**
   * Asks the broker, before the job is submitted, what would otherwise fail inside it: that it
   * answers, that the topics the job reads exist, and how large a dead letter its topic takes.
   *
   * @throws KafkaPreflight.PreflightException naming the problem and the fix
   */
  public static KafkaPreflight.Findings preflight(JobConfig c, Duration timeout) {
    List<KafkaPreflight.InputTopic> inputs = new ArrayList<>();
    inputs.add(
        new KafkaPreflight.InputTopic(
            c.imagesTopic(),
            "--images-topic",
            "publish images with `mixstream replay --data PATH --topic %s --bootstrap %s`"
                .formatted(c.imagesTopic(), c.bootstrapServers())));
    EvaluationConfig ev = c.evaluation();
    if (ev.evalEvery() > 0 && ev.evaluates()) {
      inputs.add(
          new KafkaPreflight.InputTopic(
              ev.knnBankTopic(),
              "--knn-bank-topic",
              ("publish the kNN bank with `mixstream replay --data PATH --split train --limit %d"
                      + " --topic %s --bootstrap %s`, or train without the evaluator"
                      + " (--knn-bank-size 0)")
                  .formatted(ev.knnBankSize(), ev.knnBankTopic(), c.bootstrapServers())));
      inputs.add(
          new KafkaPreflight.InputTopic(
              ev.knnTestTopic(),
              "--knn-test-topic",
              ("publish the kNN test set with `mixstream replay --data PATH --split test --limit"
                      + " %d --topic %s --bootstrap %s`, or train without the evaluator"
                      + " (--knn-bank-size 0)")
                  .formatted(ev.knnTestSize(), ev.knnTestTopic(), c.bootstrapServers())));
    }
    return KafkaPreflight.check(
        c.bootstrapServers(), c.kafkaProperties(), inputs, c.deadLetterTopic(), timeout);
  }

  /**
   * The folders the job writes (checkpoints; snapshots when it takes them) exist or are made, and
   * take a file: said before the job starts, not in ten restarts of a failing sink.
   *
   * @throws IllegalArgumentException naming the option, the folder and what is wrong
   */
  public static void checkOutputFolders(JobConfig c) {
    checkWritableFolder("--checkpoint-dir", c.checkpointDir());
    if (c.evaluation().evalEvery() > 0) {
      checkWritableFolder("--snapshot-dir", c.evaluation().snapshotDir());
    }
  }

  private static void checkWritableFolder(String option, Path folder) {
    if (java.nio.file.Files.exists(folder) && !java.nio.file.Files.isDirectory(folder)) {
      throw new IllegalArgumentException(
          "%s %s is a file, not a folder: give a folder (it is made if missing)"
              .formatted(option, folder));
    }
    try {
      java.nio.file.Files.createDirectories(folder);
      // a file made and removed: the only check that read-only mounts and root alike answer
      java.nio.file.Files.delete(
          java.nio.file.Files.createTempFile(folder, ".mixstream-write-check", ""));
    } catch (java.io.IOException e) {
      throw new IllegalArgumentException(
          "%s %s: cannot write there (%s); give a folder this user can write"
              .formatted(option, folder, e.getMessage()),
          e);
    }
  }

  /** Logs the effective config once, builds the pipeline with a log of each step, and runs it. */
  public static void execute(
      StreamExecutionEnvironment env, JobConfig c, KafkaPreflight.Findings kafka) throws Exception {
    LOG.info("mixstream job config: {}", c.describe());
    build(env, c, kafka)
        .map(StepResult::toString)
        .name("step log")
        .setParallelism(1)
        .print()
        .setParallelism(1);
    env.execute(jobName(c));
  }

  /** The job's name in the dashboard: its methods and model keys. */
  public static String jobName(JobConfig c) {
    List<ModelSpec> models = c.trainers();
    return "mixstream "
        + methods(models)
        + " ("
        + String.join(", ", models.stream().map(ModelSpec::key).toList())
        + ")";
  }

  /** The models' methods, each once, in order: "moco" or "moco, approach2". */
  private static String methods(List<ModelSpec> models) {
    return String.join(
        ", ", models.stream().map(m -> m.training().method().toString()).distinct().toList());
  }

  /**
   * Flink settings the job relies on: RocksDB state, file checkpoints, restarts on failure, and for
   * a local run enough managed memory for RocksDB in each of its slots.
   */
  public static Configuration flinkConfiguration(JobConfig c) {
    Configuration conf = flinkConfiguration(c.checkpointDir(), c.checkpointInterval());
    conf.set(TaskManagerOptions.MANAGED_MEMORY_SIZE, localManagedMemory(c));
    return conf;
  }

  /** RocksDB's memory per slot at which it stops warning; see {@link #localManagedMemory}. */
  static final MemorySize ROCKSDB_MEMORY_PER_SLOT = MemorySize.ofMebiBytes(32);

  /**
   * A local run's TaskManager has 128 MB of managed memory in all, shared by its slots, and a job
   * takes one slot per model (or per decoder). Below about 28 MB a slot, RocksDB's write buffers
   * are smaller than one of its 8 MB arena blocks and Flink warns at every start, once per keyed
   * operator of each slot, that "performance will be poor". So: 32 MB a slot, never less than the
   * 128 MB default. A cluster's TaskManagers set their own and ignore this.
   */
  static MemorySize localManagedMemory(JobConfig c) {
    int slots = Math.max(c.trainers().size(), c.decodeParallelism());
    return MemorySize.ofMebiBytes(Math.max(128, slots * ROCKSDB_MEMORY_PER_SLOT.getMebiBytes()));
  }

  /** The settings of {@link #flinkConfiguration(JobConfig)} for any job of mixstream's. */
  public static Configuration flinkConfiguration(Path checkpointDir, Duration checkpointInterval) {
    Map<String, String> m = new HashMap<>();
    m.put("state.backend.type", "rocksdb");
    m.put("execution.checkpointing.storage", "filesystem");
    m.put("execution.checkpointing.dir", checkpointDir.toAbsolutePath().toUri().toString());
    m.put("execution.checkpointing.interval", checkpointInterval.toMillis() + " ms");
    m.put("execution.checkpointing.incremental", "true");
    // a checkpoint may take long (a width-64 model is 135 MB of operator state on a slow disk) but
    // not for ever; one that expires or fails is tolerated a few times in a row before the job
    // restarts from the last complete one (OPERATIONS.md, Recovery)
    m.put("execution.checkpointing.timeout", "10 min");
    m.put("execution.checkpointing.tolerable-failed-checkpoints", "3");
    m.put("restart-strategy.type", "fixed-delay");
    m.put("restart-strategy.fixed-delay.attempts", "10");
    m.put("restart-strategy.fixed-delay.delay", "1 s");
    // DJL's classes are loaded once per JVM: a job restart must not load its natives again.
    m.put("classloader.parent-first-patterns.additional", "ai.djl.");
    return Configuration.fromMap(m);
  }

  /**
   * Adds the pipeline to {@code env} without asking the broker first: dead letters then keep their
   * value only up to Kafka's default message size. Returns the trainer's per-step results.
   */
  public static DataStream<StepResult> build(StreamExecutionEnvironment env, JobConfig c) {
    return build(
        env, c, new KafkaPreflight.Findings(KafkaRecordSizes.KAFKA_DEFAULT_MAX_MESSAGE_BYTES));
  }

  /** Adds the pipeline to {@code env}; returns the trainer's per-step results. */
  public static DataStream<StepResult> build(
      StreamExecutionEnvironment env, JobConfig c, KafkaPreflight.Findings broker) {
    c.validate();
    if (!c.bounded()) {
      for (ModelSpec m : c.trainers()) {
        learningRateEndWarning(m).ifPresent(LOG::warn);
      }
    }
    Properties kafka = new Properties();
    kafka.putAll(c.kafkaProperties());
    int deadLetterMaxBytes =
        KafkaRecordSizes.deadLetterMaxBytes(
            RecordLimits.DEFAULT, broker.deadLetterMaxMessageBytes());
    SingleOutputStreamOperator<TrainingImage> images =
        decoded(
            env,
            c,
            kafka,
            deadLetterMaxBytes,
            c.imagesTopic(),
            "images",
            "",
            c.decodeParallelism());
    DataStream<DeadLetter> deadLetters = images.getSideOutput(DecodeImages.DEAD_LETTERS);
    EvaluationConfig ev = c.evaluation();
    List<ModelSpec> models = c.trainers();
    ModelPlacement placement = new ModelPlacement(models);
    SingleOutputStreamOperator<StepResult> steps =
        images
            .flatMap(new ToEveryModel(models.stream().map(ModelSpec::key).toList()))
            .name("to every model")
            .uid("to-every-model")
            .setParallelism(c.decodeParallelism())
            .keyBy(placement)
            .process(
                new OnlineTrainer(
                    models,
                    ev.evalEvery(),
                    ev.embedIncoming(),
                    QualitySettings.of(ev),
                    c.skipNonfiniteSteps()),
                OnlineTrainer.outputType())
            .name("train " + methods(models))
            .uid("trainer")
            .setParallelism(placement.subtasks())
            .setMaxParallelism(placement.subtasks());
    steps
        .sinkTo(kafkaSink(c, kafka, MetricsSerializer.steps(ev.metricsTopic())))
        .name("step metrics to Kafka")
        .uid("step-metrics-sink")
        .setParallelism(1);
    if (QualitySettings.of(ev).on()) {
      steps
          .getSideOutput(OnlineTrainer.QUALITY)
          .sinkTo(kafkaSink(c, kafka, MetricsSerializer.quality(ev.metricsTopic())))
          .name("quality measures to Kafka")
          .uid("quality-sink")
          .setParallelism(1);
    }
    steps
        .getSideOutput(OnlineTrainer.FINAL_STATE)
        .sinkTo(kafkaSink(c, kafka, MetricsSerializer.finalState(ev.metricsTopic())))
        .name("final state to Kafka")
        .uid("final-state-sink")
        .setParallelism(1);
    if (ev.evalEvery() > 0) {
      DataStream<ModelSnapshot> snapshots = steps.getSideOutput(OnlineTrainer.SNAPSHOTS);
      snapshots
          .sinkTo(
              new SnapshotFiles(
                  ev.snapshotDir(),
                  new SnapshotRetention(ev.snapshotsKept(c.bounded()), ev.keepSnapshotsEvery())))
          .name("snapshot files")
          .uid("snapshot-files")
          .setParallelism(1);
      DataStream<EmbeddingRecord> embeddings =
          ev.embedIncoming() ? steps.getSideOutput(EmbeddingOutput.TAG) : null;
      if (ev.evaluates()) {
        Evaluation e = evaluate(env, c, kafka, deadLetterMaxBytes, snapshots);
        deadLetters = deadLetters.union(e.deadLetters());
        embeddings = embeddings == null ? e.embeddings() : embeddings.union(e.embeddings());
      }
      if (embeddings != null) {
        embeddings
            .sinkTo(
                kafkaSink(
                    c, kafka, new EmbeddingSerializer(ev.embeddingsTopic(), ev.embeddingsFormat())))
            .name("embeddings to Kafka")
            .uid("embeddings-sink")
            .setParallelism(1);
      }
    }
    deadLetters
        .sinkTo(kafkaSink(c, kafka, new DeadLetterSerializer(c.deadLetterTopic())))
        .name("dead letters to Kafka")
        .uid("dead-letter-sink");
    return steps;
  }

  /**
   * For an unbounded job: when the model's learning rate reaches 0 and stays there (a finite
   * cosine), said before the job starts, since the job then keeps running without learning.
   */
  public static Optional<String> learningRateEndWarning(ModelSpec m) {
    TrainingConfig t = m.training();
    long zero = LearningRateSchedule.of(t).zeroFrom();
    if (zero < 0 || t.scaledLr() == 0) { // never, or a rate of 0 asked for
      return Optional.empty();
    }
    return Optional.of(
        ("model %s: the learning rate reaches 0 at step %,d (about %,d images: --schedule %s over"
                + " --epochs %d of --epoch-size %,d) and stays 0, so this unbounded job stops"
                + " learning there; for a stream without end use --schedule constant or"
                + " warmup-constant, or a larger --epochs")
            .formatted(
                m.key(),
                zero + 1, // as the metrics count steps: step 1 is the first
                zero * t.batchSize(),
                t.optimizer().schedule().cliName(),
                t.optimizer().epochs(),
                t.optimizer().epochSize()));
  }

  /** What the evaluator adds: its images' dead letters and its embeddings. */
  private record Evaluation(
      DataStream<DeadLetter> deadLetters, DataStream<EmbeddingRecord> embeddings) {}

  /**
   * The kNN evaluator on bank and test images from their topics; its results go to the metrics
   * topic.
   */
  private static Evaluation evaluate(
      StreamExecutionEnvironment env,
      JobConfig c,
      Properties kafka,
      int deadLetterMaxBytes,
      DataStream<ModelSnapshot> snapshots) {
    EvaluationConfig ev = c.evaluation();
    SingleOutputStreamOperator<TrainingImage> bank =
        decoded(env, c, kafka, deadLetterMaxBytes, ev.knnBankTopic(), "kNN bank", "knn-bank-", 1);
    SingleOutputStreamOperator<TrainingImage> test =
        decoded(env, c, kafka, deadLetterMaxBytes, ev.knnTestTopic(), "kNN test", "knn-test-", 1);
    int side = c.trainers().get(0).training().model().imageSize(); // the same for every model
    DataStream<EvalImage> evalImages =
        bank.map(i -> EvalImage.of(i, true, side))
            .name("bank role")
            .uid("knn-bank-role")
            .setParallelism(1)
            .union(
                test.map(i -> EvalImage.of(i, false, side))
                    .name("test role")
                    .uid("knn-test-role")
                    .setParallelism(1));
    SingleOutputStreamOperator<KnnReport> reports =
        evalImages
            // one key: the sets are stored once and every model's snapshots meet them
            .keyBy(i -> KnnEvaluator.KEY)
            .connect(snapshots.keyBy(s -> KnnEvaluator.KEY))
            .process(new KnnEvaluator(ev, c.device()), TypeInformation.of(KnnReport.class))
            .name("kNN evaluator")
            .uid("knn-evaluator")
            .setParallelism(1)
            .setMaxParallelism(1);
    reports
        .sinkTo(kafkaSink(c, kafka, MetricsSerializer.knn(ev.metricsTopic())))
        .name("kNN results to Kafka")
        .uid("metrics-sink")
        .setParallelism(1);
    return new Evaluation(
        bank.getSideOutput(DecodeImages.DEAD_LETTERS)
            .union(test.getSideOutput(DecodeImages.DEAD_LETTERS)),
        reports.getSideOutput(EmbeddingOutput.TAG));
  }

  /** A Kafka source of raw records on {@code topic}, decoded and validated. */
  private static SingleOutputStreamOperator<TrainingImage> decoded(
      StreamExecutionEnvironment env,
      JobConfig c,
      Properties kafka,
      int deadLetterMaxBytes,
      String topic,
      String name,
      String uidPrefix,
      int parallelism) {
    var source =
        KafkaConnectors.source(
            c.bootstrapServers(),
            topic,
            c.groupId(),
            kafka,
            new RawRecordDeserializer(),
            c.bounded());
    return env.fromSource(source, WatermarkStrategy.noWatermarks(), name + " from Kafka")
        .uid(uidPrefix + "kafka-source")
        // as many readers as decoders: each decoder chains onto its reader, no shuffle
        .setParallelism(parallelism)
        .process(new DecodeImages(DecodeImages.ANY_LABEL, deadLetterMaxBytes))
        .name("decode and validate " + name)
        .uid(uidPrefix + "decode")
        .setParallelism(parallelism);
  }

  private static <T> KafkaSink<T> kafkaSink(
      JobConfig c, Properties kafka, KafkaRecordSerializationSchema<T> serializer) {
    return KafkaConnectors.atLeastOnceSink(c.bootstrapServers(), kafka, serializer);
  }
}
