package io.mixstream.job;

import io.mixstream.operators.DeadLetter;
import io.mixstream.operators.DeadLetterSerializer;
import io.mixstream.operators.DecodeImages;
import io.mixstream.operators.EmbeddingSerializer;
import io.mixstream.operators.EvalImage;
import io.mixstream.operators.KnnEvaluator;
import io.mixstream.operators.KnnReport;
import io.mixstream.operators.MetricsSerializer;
import io.mixstream.operators.ModelSnapshot;
import io.mixstream.operators.OnlineTrainer;
import io.mixstream.operators.RawRecord;
import io.mixstream.operators.RawRecordDeserializer;
import io.mixstream.operators.SnapshotFiles;
import io.mixstream.operators.StepResult;
import io.mixstream.operators.TrainingImage;
import io.mixstream.records.EmbeddingRecord;
import io.mixstream.records.RecordLimits;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.Properties;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.connector.base.DeliveryGuarantee;
import org.apache.flink.connector.kafka.sink.KafkaRecordSerializationSchema;
import org.apache.flink.connector.kafka.sink.KafkaSink;
import org.apache.flink.connector.kafka.source.KafkaSource;
import org.apache.flink.connector.kafka.source.KafkaSourceBuilder;
import org.apache.flink.connector.kafka.source.enumerator.initializer.OffsetsInitializer;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

/**
 * The pipeline of ARCHITECTURE.md: Kafka source → decode and validate (bad records to the
 * dead-letter topic) → keyBy(model key) → mini-batch assembly and training in keyed state.
 */
public final class MixstreamJob {
  private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(MixstreamJob.class);

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
    StreamExecutionEnvironment env =
        StreamExecutionEnvironment.getExecutionEnvironment(flinkConfiguration(c));
    execute(env, c);
  }

  /** Logs the effective config once, builds the pipeline with a log of each step, and runs it. */
  public static void execute(StreamExecutionEnvironment env, JobConfig c) throws Exception {
    LOG.info("mixstream job config: {}", c.describe());
    build(env, c)
        .map(StepResult::toString)
        .name("step log")
        .setParallelism(1)
        .print()
        .setParallelism(1);
    env.execute("mixstream " + c.training().method() + " (" + c.modelKey() + ")");
  }

  /** Flink settings the job relies on: RocksDB state, file checkpoints, restarts on failure. */
  public static Configuration flinkConfiguration(JobConfig c) {
    Map<String, String> m = new HashMap<>();
    m.put("state.backend.type", "rocksdb");
    m.put("execution.checkpointing.storage", "filesystem");
    m.put("execution.checkpointing.dir", c.checkpointDir().toAbsolutePath().toUri().toString());
    m.put("execution.checkpointing.interval", c.checkpointInterval().toMillis() + " ms");
    m.put("execution.checkpointing.incremental", "true");
    m.put("restart-strategy.type", "fixed-delay");
    m.put("restart-strategy.fixed-delay.attempts", "10");
    m.put("restart-strategy.fixed-delay.delay", "1 s");
    // DJL's classes are loaded once per JVM: a job restart must not load its natives again.
    m.put("classloader.parent-first-patterns.additional", "ai.djl.");
    return Configuration.fromMap(m);
  }

  /** Adds the pipeline to {@code env}; returns the trainer's per-step results. */
  public static DataStream<StepResult> build(StreamExecutionEnvironment env, JobConfig c) {
    c.validate();
    Properties kafka = new Properties();
    kafka.putAll(c.kafkaProperties());
    SingleOutputStreamOperator<TrainingImage> images =
        decoded(env, c, kafka, c.imagesTopic(), "images", "", c.decodeParallelism());
    DataStream<DeadLetter> deadLetters = images.getSideOutput(DecodeImages.DEAD_LETTERS);
    EvaluationConfig ev = c.evaluation();
    SingleOutputStreamOperator<StepResult> steps =
        images
            .keyBy(image -> image.modelKey)
            .process(
                new OnlineTrainer(
                    c.training(), c.device(), c.torchThreads(), ev.evalEvery(), ev.embedIncoming()),
                OnlineTrainer.outputType())
            .name("train " + c.training().method())
            .uid("trainer")
            .setParallelism(1)
            .setMaxParallelism(1);
    steps
        .sinkTo(kafkaSink(c, kafka, MetricsSerializer.steps(ev.metricsTopic())))
        .name("step metrics to Kafka")
        .uid("step-metrics-sink")
        .setParallelism(1);
    if (ev.evalEvery() > 0) {
      DataStream<ModelSnapshot> snapshots = steps.getSideOutput(OnlineTrainer.SNAPSHOTS);
      snapshots
          .sinkTo(new SnapshotFiles(ev.snapshotDir()))
          .name("snapshot files")
          .uid("snapshot-files")
          .setParallelism(1);
      DataStream<EmbeddingRecord> embeddings =
          ev.embedIncoming() ? steps.getSideOutput(KnnEvaluator.EMBEDDINGS) : null;
      if (ev.evaluates()) {
        Evaluation e = evaluate(env, c, kafka, snapshots);
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
      DataStream<ModelSnapshot> snapshots) {
    EvaluationConfig ev = c.evaluation();
    SingleOutputStreamOperator<TrainingImage> bank =
        decoded(env, c, kafka, ev.knnBankTopic(), "kNN bank", "knn-bank-", 1);
    SingleOutputStreamOperator<TrainingImage> test =
        decoded(env, c, kafka, ev.knnTestTopic(), "kNN test", "knn-test-", 1);
    DataStream<EvalImage> evalImages =
        bank.map(i -> EvalImage.of(i, true))
            .name("bank role")
            .uid("knn-bank-role")
            .setParallelism(1)
            .union(
                test.map(i -> EvalImage.of(i, false))
                    .name("test role")
                    .uid("knn-test-role")
                    .setParallelism(1));
    SingleOutputStreamOperator<KnnReport> reports =
        evalImages
            .keyBy(i -> i.modelKey)
            .connect(snapshots.keyBy(s -> s.modelKey))
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
        reports.getSideOutput(KnnEvaluator.EMBEDDINGS));
  }

  /** A Kafka source of raw records on {@code topic}, decoded and validated. */
  private static SingleOutputStreamOperator<TrainingImage> decoded(
      StreamExecutionEnvironment env,
      JobConfig c,
      Properties kafka,
      String topic,
      String name,
      String uidPrefix,
      int parallelism) {
    KafkaSourceBuilder<RawRecord> source =
        KafkaSource.<RawRecord>builder()
            .setBootstrapServers(c.bootstrapServers())
            .setTopics(topic)
            .setGroupId(c.groupId())
            .setStartingOffsets(OffsetsInitializer.earliest())
            .setDeserializer(new RawRecordDeserializer())
            .setProperties(kafka);
    if (c.bounded()) {
      source.setBounded(OffsetsInitializer.latest());
    }
    return env.fromSource(source.build(), WatermarkStrategy.noWatermarks(), name + " from Kafka")
        .uid(uidPrefix + "kafka-source")
        // as many readers as decoders: each decoder chains onto its reader, no shuffle
        .setParallelism(parallelism)
        .process(new DecodeImages(c.modelKey(), RecordLimits.DEFAULT))
        .name("decode and validate " + name)
        .uid(uidPrefix + "decode")
        .setParallelism(parallelism);
  }

  private static <T> KafkaSink<T> kafkaSink(
      JobConfig c, Properties kafka, KafkaRecordSerializationSchema<T> serializer) {
    return KafkaSink.<T>builder()
        .setBootstrapServers(c.bootstrapServers())
        .setKafkaProducerConfig(kafka)
        .setRecordSerializer(serializer)
        .setDeliveryGuarantee(DeliveryGuarantee.AT_LEAST_ONCE)
        .build();
  }
}
